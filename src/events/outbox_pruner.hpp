#pragma once

#include <atomic>
#include <chrono>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace events {

struct PruneSchedule {
  std::chrono::hours retention{24};          // delivered events older than this go
  std::chrono::milliseconds interval{60'000};  // between rounds (the first after <= 5 s)
  std::chrono::milliseconds stop_check{1000};  // how soon a stop is noticed while waiting
};

// Deletes delivered outbox events past the retention, a small batch at a time, until
// `stopping`. `pool` must outlive the coroutine.
boost::asio::awaitable<void> prune_delivered_events_until_stopped(
    db::Pool& pool, PruneSchedule schedule, const std::atomic<bool>& stopping);

}  // namespace events
