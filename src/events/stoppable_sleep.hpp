#pragma once

#include <atomic>
#include <chrono>

#include <boost/asio/awaitable.hpp>

namespace events {

// Sleeps `duration` in steps of at most `step`, so a stop is noticed quickly (shutdown
// waits for the relay to end); returns early once `stopping`.
boost::asio::awaitable<void> sleep_unless_stopping(std::chrono::steady_clock::duration duration,
                                                   std::chrono::milliseconds step,
                                                   const std::atomic<bool>& stopping);

}  // namespace events
