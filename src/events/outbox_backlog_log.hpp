#pragma once

#include <atomic>
#include <chrono>

#include <boost/asio/awaitable.hpp>

#include "platform/async/wake_up.hpp"
#include "platform/db/pool.hpp"

namespace events {

// Without a data platform: events stay in the outbox. Each time `committed` wakes it (at
// most every few seconds) says how many are undelivered, until `stopping`. `pool` and
// `committed` must outlive the coroutine.
boost::asio::awaitable<void> log_outbox_backlog_until_stopped(
    db::Pool& pool, async::WakeUp& committed, std::chrono::milliseconds poll_interval,
    const std::atomic<bool>& stopping);

}  // namespace events
