#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "orders/order_rules.hpp"
#include "orders/orders_store.hpp"
#include "platform/db/pool.hpp"

namespace orders {

// Which orders a list shows: one user's (GET /orders?userId=) or everyone's (GET
// /admin/orders), optionally of one status.
struct OrderFilter {
  std::optional<std::int64_t> user_id;
  std::optional<OrderStatus> status;
};

// The `status` query parameter of the order lists: absent (every status) or one of
// NOT_PAID, PAID, EXPIRED, CANCELLED; anything else is 400 INVALID_REQUEST.
std::optional<OrderStatus> status_filter(const std::string* raw);

struct OrderPage {
  std::int64_t total = 0;     // orders matching the filter
  std::vector<Order> orders;  // newest first (by id, descending)
};

// One page of the orders matching `filter`, with their lines, and how many match in all,
// from one snapshot (one statement). nullopt when the filter's user does not exist.
boost::asio::awaitable<std::optional<OrderPage>> list_orders(db::Pool& pool,
                                                             const OrderFilter& filter,
                                                             std::int64_t limit,
                                                             std::int64_t offset);

}  // namespace orders
