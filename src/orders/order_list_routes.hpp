#pragma once

#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace orders {

// What these routes use, built by app/.
struct OrderListDeps {
  db::Pool& db;
};

// The order lists: a user's own (GET /api/v1/orders?userId=) and everyone's for the
// operator (GET /api/v1/admin/orders).
void add_list_routes(http::Router& router, const OrderListDeps& deps);

}  // namespace orders
