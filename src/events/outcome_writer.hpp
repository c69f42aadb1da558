#pragma once

#include <cstdint>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "events/outbox_store.hpp"
#include "events/relay_stats.hpp"
#include "platform/db/pool.hpp"

namespace events {

// Delivery outcomes not written back to the outbox yet.
struct PendingOutcomes {
  std::vector<std::int64_t> acknowledged;  // outbox ids
  std::vector<FailedAttempt> failed;
  bool empty() const { return acknowledged.empty() && failed.empty(); }
};

enum class OutcomeWrite { done, database_down };

// Writes back, in one batch, the outcomes pending when called (those arriving meanwhile go
// in the next): marks acknowledged events delivered (their delivery lags go to `stats`) and
// reschedules failed ones. While the database is down the unwritten outcomes are put back
// into `pending`; any other error is logged and the batch dropped (its events come due again
// when their leases end).
boost::asio::awaitable<OutcomeWrite> write_outcomes(db::Pool& pool, PendingOutcomes& pending,
                                                    RelayStats& stats);

}  // namespace events
