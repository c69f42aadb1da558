#include "points/charge_batcher.hpp"

#include <vector>

#include "platform/db/write_batch_metrics.hpp"

namespace points {

ChargeBatcher::ChargeBatcher(std::int64_t max_balance, std::size_t max_in_flight,
                             std::chrono::milliseconds max_queue_wait, db::WriteLane* lane)
    : batcher_(
          [max_balance](db::Pool& pool, const std::vector<ChargeRequest>& requests)
              -> boost::asio::awaitable<std::vector<db::Settled<ChargeOutcome>>> {
            auto outcomes = co_await charge_batch(pool, requests, max_balance);
            co_return std::vector<db::Settled<ChargeOutcome>>(outcomes.begin(), outcomes.end());
          },
          db::on_lane(
              db::WriteBatcher<ChargeRequest, ChargeOutcome>::Limits{kMaxBatch, max_in_flight,
                                                                     max_queue_wait},
              lane),
          [](std::size_t size) { db::observe_write_batch(db::WriteKind::charge, size); }) {}

}  // namespace points
