#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "platform/db/batched_write.hpp"
#include "platform/db/pool.hpp"
#include "points/points_store.hpp"

namespace points {

// Point charges of one instance, settled in batches (db::BatchedWrite of ChargeBatch):
// the charges that arrive while a batch is in flight, on any event loop, go together in the
// next one, one statement and one commit for all of them, each with exactly its own outcome.
class ChargeBatcher {
 public:
  ChargeBatcher(std::int64_t max_balance, db::BatchedWriteLimits limits)
      : batch_(ChargeBatch{max_balance}, limits) {}

  // `pool` is the calling loop's. The batches run on `lane` when there is one (the
  // service's: db::WriteLane), else on the pool and loop of the charge that starts them.
  // A charge whose wallet the batch found held elsewhere is settled alone on `pool`.
  boost::asio::awaitable<ChargeOutcome> charge(db::Pool& pool, std::int64_t user_id,
                                               std::int64_t amount) {
    auto charged = co_await batch_.submit(pool, ChargeRequest{user_id, amount});
    if (charged) co_return *charged;
    co_return co_await points::charge(pool, user_id, amount, batch_.spec().max_balance);
  }
  std::uint64_t batches() const { return batch_.batches(); }

 private:
  db::BatchedWrite<ChargeBatch> batch_;
};

}  // namespace points
