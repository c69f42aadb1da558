#include "orders/payment_batcher.hpp"

namespace orders {

boost::asio::awaitable<PayOutcome> PaymentBatcher::pay(db::Pool& pool, std::int64_t user_id,
                                                       std::int64_t order_id) {
  auto paid = co_await batch_.submit(pool, PayRequest{user_id, order_id});
  if (paid) co_return std::move(*paid);
  co_return co_await pay_order_alone(pool, user_id, order_id);
}

}  // namespace orders
