#include "points/charge_batcher.hpp"

#include <vector>

#include "platform/db/write_batch_metrics.hpp"

namespace points {

ChargeBatcher::ChargeBatcher(db::Pool& pool, std::int64_t max_balance)
    : batcher_(
          [&pool, max_balance](const std::vector<ChargeRequest>& requests)
              -> boost::asio::awaitable<std::vector<db::Settled<ChargeOutcome>>> {
            auto outcomes = co_await charge_batch(pool, requests, max_balance);
            co_return std::vector<db::Settled<ChargeOutcome>>(outcomes.begin(), outcomes.end());
          },
          kMaxBatch,
          [](std::size_t size) { db::observe_write_batch(db::WriteKind::charge, size); }) {}

}  // namespace points
