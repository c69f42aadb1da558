#include "orders/payment_batcher.hpp"

#include <vector>

#include "platform/db/write_batch_metrics.hpp"

namespace orders {

PaymentBatcher::PaymentBatcher(std::size_t max_in_flight, std::chrono::milliseconds max_queue_wait,
                               db::WriteLane* lane)
    : batcher_(
          [](db::Pool& pool, const std::vector<PayRequest>& requests)
              -> boost::asio::awaitable<std::vector<db::Settled<std::optional<PayOutcome>>>> {
            auto outcomes = co_await pay_orders_at_once(pool, requests);
            co_return std::vector<db::Settled<std::optional<PayOutcome>>>(outcomes.begin(),
                                                                          outcomes.end());
          },
          db::on_lane(
              db::WriteBatcher<PayRequest, std::optional<PayOutcome>>::Limits{
                  kMaxBatch, max_in_flight, max_queue_wait},
              lane),
          [](std::size_t size) { db::observe_write_batch(db::WriteKind::payment, size); }) {}

boost::asio::awaitable<PayOutcome> PaymentBatcher::pay(db::Pool& pool, std::int64_t user_id,
                                                       std::int64_t order_id) {
  auto paid = co_await batcher_.submit(pool, PayRequest{user_id, order_id});
  if (paid) co_return std::move(*paid);
  co_return co_await pay_order_alone(pool, user_id, order_id);
}

}  // namespace orders
