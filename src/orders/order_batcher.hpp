#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "orders/orders_store.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/write_batcher.hpp"
#include "platform/db/write_lane.hpp"

namespace orders {

// One-product orders without a coupon of one instance, placed in batches
// (db::WriteBatcher over place_orders_at_once): the orders that arrive while a batch is in
// flight, on any event loop, go together in the next one, one statement and one commit for
// all of them, first come first served. An order the batch could not place (unknown user or
// product, too little stock) is then settled alone by place_order, which tells those cases
// apart. Every other order (several lines, a coupon) goes straight to place_order.
class OrderBatcher {
 public:
  static constexpr std::size_t kMaxBatch = 64;

  OrderBatcher(std::int64_t payment_timeout_seconds, std::size_t max_in_flight,
               std::chrono::milliseconds max_queue_wait, db::WriteLane* lane = nullptr);

  // `pool` is the calling loop's: an order settled alone runs on it. The batches run on
  // `lane` when there is one (the service's: db::WriteLane), else on the pool and loop of
  // the order that starts them.
  boost::asio::awaitable<PlaceOutcome> place(db::Pool& pool, std::int64_t user_id,
                                             const std::vector<OrderLine>& lines,
                                             std::optional<std::int64_t> user_coupon_id);

 private:
  std::int64_t payment_timeout_seconds_;
  db::WriteBatcher<PlaceRequest, std::optional<Order>> batcher_;
};

}  // namespace orders
