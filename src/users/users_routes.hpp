#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace users {

void add_routes(http::Router& router, const app::Services& services);

}  // namespace users
