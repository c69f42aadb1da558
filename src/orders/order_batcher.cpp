#include "orders/order_batcher.hpp"

#include <utility>

#include "platform/db/write_batch_metrics.hpp"

namespace orders {

OrderBatcher::OrderBatcher(std::int64_t payment_timeout_seconds, std::size_t max_in_flight,
                           std::chrono::milliseconds max_queue_wait, db::WriteLane* lane)
    : payment_timeout_seconds_(payment_timeout_seconds),
      batcher_(
          [payment_timeout_seconds](db::Pool& pool, const std::vector<PlaceRequest>& requests)
              -> boost::asio::awaitable<std::vector<db::Settled<std::optional<Order>>>> {
            auto outcomes = co_await place_orders_at_once(pool, requests, payment_timeout_seconds);
            co_return std::vector<db::Settled<std::optional<Order>>>(outcomes.begin(),
                                                                     outcomes.end());
          },
          db::on_lane(
              db::WriteBatcher<PlaceRequest, std::optional<Order>>::Limits{kMaxBatch, max_in_flight,
                                                                           max_queue_wait},
              lane),
          [](std::size_t size) { db::observe_write_batch(db::WriteKind::order, size); }) {}

boost::asio::awaitable<PlaceOutcome> OrderBatcher::place(
    db::Pool& pool, std::int64_t user_id, const std::vector<OrderLine>& lines,
    std::optional<std::int64_t> user_coupon_id) {
  if (lines.size() == 1 && !user_coupon_id) {
    const auto& line = lines.front();
    auto placed =
        co_await batcher_.submit(pool, PlaceRequest{user_id, line.product_id, line.quantity});
    if (placed) co_return PlaceOutcome{PlaceOutcome::Kind::placed, std::move(*placed)};
  }
  co_return co_await place_order(pool, user_id, lines, user_coupon_id, payment_timeout_seconds_);
}

}  // namespace orders
