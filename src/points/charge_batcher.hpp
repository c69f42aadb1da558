#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"
#include "platform/db/write_batcher.hpp"
#include "platform/db/write_lane.hpp"
#include "points/points_store.hpp"

namespace points {

// Point charges of one instance, settled in batches (db::WriteBatcher over charge_batch):
// the charges that arrive while a batch is in flight, on any event loop, go together in the
// next one, one statement and one commit for all of them, each with exactly its own outcome.
class ChargeBatcher {
 public:
  static constexpr std::size_t kMaxBatch = 64;

  ChargeBatcher(std::int64_t max_balance, std::size_t max_in_flight,
                std::chrono::milliseconds max_queue_wait, db::WriteLane* lane = nullptr);

  // `pool` is the calling loop's. The batches run on `lane` when there is one (the
  // service's: db::WriteLane), else on the pool and loop of the charge that starts them.
  boost::asio::awaitable<ChargeOutcome> charge(db::Pool& pool, std::int64_t user_id,
                                               std::int64_t amount) {
    return batcher_.submit(pool, ChargeRequest{user_id, amount});
  }
  std::uint64_t batches() const { return batcher_.batches(); }

 private:
  db::WriteBatcher<ChargeRequest, ChargeOutcome> batcher_;
};

}  // namespace points
