#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "orders/payment_store.hpp"
#include "platform/db/batched_write.hpp"
#include "platform/db/pool.hpp"

namespace orders {

// Payments of one instance, settled in batches (db::BatchedWrite of PaymentBatch):
// the payments that arrive while a batch is in flight, on any event loop, go together in
// the next one, one statement and one commit for all of them. A payment the batch could not
// make (unknown, not payable, overdue, short balance) is then finished alone by
// pay_order_alone, exactly as pay_order does after its one-statement attempt.
class PaymentBatcher {
 public:
  explicit PaymentBatcher(db::BatchedWriteLimits limits) : batch_(PaymentBatch{}, limits) {}

  // `pool` is the calling loop's: a payment finished alone runs on it. The batches run on
  // `lane` when there is one (the service's: db::WriteLane), else on the pool and loop of
  // the payment that starts them.
  boost::asio::awaitable<PayOutcome> pay(db::Pool& pool, std::int64_t user_id,
                                         std::int64_t order_id);

 private:
  db::BatchedWrite<PaymentBatch> batch_;
};

}  // namespace orders
