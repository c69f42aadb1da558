#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "orders/orders_store.hpp"
#include "platform/db/batched_write.hpp"
#include "platform/db/pool.hpp"

namespace orders {

// One-product orders without a coupon of one instance, placed in batches
// (db::BatchedWrite of OrderBatch): the orders that arrive while a batch is in
// flight, on any event loop, go together in the next one, one statement and one commit for
// all of them, first come first served. An order the batch could not place (unknown user or
// product, too little stock) is then settled alone by place_order, which tells those cases
// apart. Every other order (several lines, a coupon) goes straight to place_order.
class OrderBatcher {
 public:
  OrderBatcher(std::int64_t payment_timeout_seconds, db::BatchedWriteLimits limits)
      : payment_timeout_seconds_(payment_timeout_seconds),
        batch_(OrderBatch{payment_timeout_seconds}, limits) {}

  // `pool` is the calling loop's: an order settled alone runs on it. The batches run on
  // `lane` when there is one (the service's: db::WriteLane), else on the pool and loop of
  // the order that starts them.
  boost::asio::awaitable<PlaceOutcome> place(db::Pool& pool, std::int64_t user_id,
                                             const std::vector<OrderLine>& lines,
                                             std::optional<std::int64_t> user_coupon_id);

 private:
  std::int64_t payment_timeout_seconds_;
  db::BatchedWrite<OrderBatch> batch_;
};

}  // namespace orders
