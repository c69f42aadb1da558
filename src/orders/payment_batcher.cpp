#include "orders/payment_batcher.hpp"

#include <vector>

#include "platform/db/write_batch_metrics.hpp"

namespace orders {

PaymentBatcher::PaymentBatcher(db::Pool& pool)
    : pool_(pool),
      batcher_(
          [&pool](const std::vector<PayRequest>& requests)
              -> boost::asio::awaitable<std::vector<db::Settled<std::optional<PayOutcome>>>> {
            auto outcomes = co_await pay_orders_at_once(pool, requests);
            co_return std::vector<db::Settled<std::optional<PayOutcome>>>(outcomes.begin(),
                                                                          outcomes.end());
          },
          kMaxBatch,
          [](std::size_t size) { db::observe_write_batch(db::WriteKind::payment, size); }) {}

boost::asio::awaitable<PayOutcome> PaymentBatcher::pay(std::int64_t user_id,
                                                       std::int64_t order_id) {
  auto paid = co_await batcher_.submit(PayRequest{user_id, order_id});
  if (paid) co_return std::move(*paid);
  co_return co_await pay_order_alone(pool_, user_id, order_id);
}

}  // namespace orders
