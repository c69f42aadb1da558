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
  std::int64_t total = 0;     // orders matching the filter; 0 without a user (count_orders)
  std::vector<Order> orders;  // newest first (by id, descending)
};

// One page of the orders matching `filter`, with their lines, newest first; with a user,
// also how many of theirs match in all, from the same snapshot (one statement). nullopt
// when the filter's user does not exist.
boost::asio::awaitable<std::optional<OrderPage>> list_orders(db::Pool& pool,
                                                             const OrderFilter& filter,
                                                             std::int64_t limit,
                                                             std::int64_t offset);

// How many orders of every user there are (of one status, or all): one index-only scan
// over them, about 0.1 s at a million orders on the bench machine, so the operator's list
// keeps it in a short-lived cache (order_list_routes.cpp) rather than counting per page.
boost::asio::awaitable<std::int64_t> count_orders(db::Pool& pool,
                                                  std::optional<OrderStatus> status);

}  // namespace orders
