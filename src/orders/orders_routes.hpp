#pragma once

#include <cstdint>
#include "orders/order_batcher.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace orders {

// What these routes use, built by app/.
struct OrdersDeps {
  db::Pool& db;
  OrderBatcher& orders;
  std::int64_t payment_timeout_seconds;
};

// Orders: create, read, cancel (their payment: payment_routes.hpp).
void add_routes(http::Router& router, const OrdersDeps& deps);

}  // namespace orders
