#pragma once

#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace users {

// What these routes use, built by app/.
struct UsersDeps {
  db::Pool& db;
};

void add_routes(http::Router& router, const UsersDeps& deps);

}  // namespace users
