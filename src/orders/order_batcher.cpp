#include "orders/order_batcher.hpp"

#include <utility>

namespace orders {

boost::asio::awaitable<PlaceOutcome> OrderBatcher::place(
    db::Pool& pool, std::int64_t user_id, const std::vector<OrderLine>& lines,
    std::optional<std::int64_t> user_coupon_id) {
  if (lines.size() == 1 && !user_coupon_id) {
    const auto& line = lines.front();
    auto placed =
        co_await batch_.submit(pool, PlaceRequest{user_id, line.product_id, line.quantity});
    if (placed) co_return PlaceOutcome{PlaceOutcome::Kind::placed, std::move(*placed)};
  }
  co_return co_await place_order(pool, user_id, lines, user_coupon_id, payment_timeout_seconds_);
}

}  // namespace orders
