#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "orders/order_rules.hpp"
#include "platform/db/batch_statements.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/result.hpp"
#include "platform/db/write_batch_metrics.hpp"

namespace orders {

struct OrderItem {
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  std::int64_t unit_price = 0;
  std::int64_t amount = 0;
};

struct Order {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string status;
  std::vector<OrderItem> items;  // by product id
  std::int64_t total_amount = 0;
  std::int64_t discount_amount = 0;
  std::int64_t pay_amount = 0;
  std::optional<std::int64_t> user_coupon_id;
  std::string created_at;
  std::string expires_at;
  std::optional<std::string> paid_at;
};

struct PlaceOutcome {
  enum class Kind {
    placed,
    user_not_found,
    product_not_found,
    out_of_stock,
    coupon_not_usable
  } kind;
  Order order;                  // when placed
  std::int64_t product_id = 0;  // the missing or short product
  std::int64_t available = 0;   // for out_of_stock
  std::int64_t requested = 0;
};

// Takes the stock of every line (rows locked in product-id order), checks and uses the
// coupon, and records the order: all in one transaction, or nothing.
boost::asio::awaitable<PlaceOutcome> place_order(db::Pool& pool, std::int64_t user_id,
                                                 const std::vector<OrderLine>& lines,
                                                 std::optional<std::int64_t> user_coupon_id,
                                                 std::int64_t payment_timeout_seconds);
// The same on the caller's connection: inside its open transaction (left open), or, for
// a one-product order without coupon only, in autocommit mode (its single write statement
// is all or nothing on its own).
boost::asio::awaitable<PlaceOutcome> place_order(db::Connection& tx, std::int64_t user_id,
                                                 const std::vector<OrderLine>& lines,
                                                 std::optional<std::int64_t> user_coupon_id,
                                                 std::int64_t payment_timeout_seconds);

// A one-product order without a coupon, the kind placed in batches.
struct PlaceRequest {
  std::int64_t user_id;
  std::int64_t product_id;
  std::int64_t quantity;
};

// Many one-product orders without coupon in one call and one commit (the function
// place_orders_batch, settled by db::BatchedWrite), first come first served in the order
// given: one answer per request, the order where it was placed, nullopt where nothing was
// written (unknown user or product, too little stock left; settle it with `place_order` to
// tell which).
struct OrderBatch {
  using Request = PlaceRequest;
  using Outcome = std::optional<Order>;
  static constexpr db::WriteKind kind = db::WriteKind::order;
  static const db::BatchStatements& statements();
  db::Params params(const std::vector<PlaceRequest>& requests) const;
  std::optional<Order> outcome(const db::Result& rows, int row, const PlaceRequest& request) const;

  std::int64_t payment_timeout_seconds;
};

// One batch of orders (db::write_batch says what a failure of the whole batch means).
boost::asio::awaitable<std::vector<std::optional<Order>>> place_orders_at_once(
    db::Pool& pool, const std::vector<PlaceRequest>& requests,
    std::int64_t payment_timeout_seconds);

struct FindOutcome {
  enum class Kind { found, user_not_found, not_found } kind;
  Order order;
};
boost::asio::awaitable<FindOutcome> find_order(db::Pool& pool, std::int64_t order_id,
                                               std::int64_t user_id);
boost::asio::awaitable<std::optional<Order>> read_order(db::Connection& connection,
                                                        std::int64_t order_id,
                                                        std::int64_t user_id);

struct CancelOutcome {
  enum class Kind { cancelled, user_not_found, not_found, not_payable } kind;
  Order order;
};
boost::asio::awaitable<CancelOutcome> cancel_order(db::Pool& pool, std::int64_t order_id,
                                                   std::int64_t user_id);
// The same inside a transaction the caller holds (a keyed cancel: the key commits with it).
boost::asio::awaitable<CancelOutcome> cancel_order(db::Connection& tx, std::int64_t order_id,
                                                   std::int64_t user_id);

// Moves NOT_PAID orders to `to` (EXPIRED or CANCELLED) and gives their stock and coupons
// back, inside the caller's transaction. Orders no longer NOT_PAID are skipped, so a
// release can never happen twice. Returns the ids released.
boost::asio::awaitable<std::vector<std::int64_t>> release_orders(
    db::Connection& connection, const std::vector<std::int64_t>& order_ids, OrderStatus to);

// One sweep: expires up to `batch` overdue unpaid orders. Instances sweeping at once take
// disjoint orders (SKIP LOCKED). Returns how many were expired.
boost::asio::awaitable<std::size_t> expire_overdue_orders(db::Pool& pool, std::int64_t batch);

}  // namespace orders
