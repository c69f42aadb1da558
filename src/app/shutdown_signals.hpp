#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/shutdown_watchdog.hpp"

namespace app {

// SIGINT/SIGTERM handling for a graceful stop behind a load balancer. The first signal sets
// `draining` (so /ready answers 503) and, after `drain`, calls `shut_down`; meanwhile the
// server keeps accepting and serving, so the balancer's health checks take the instance out
// before its listening socket closes (connections still in the kernel's accept queue would
// be reset). A zero `drain` shuts down at once.
//
// The stop is bounded: the first signal arms `watchdog` for `drain` + 10 s, and a second
// signal ends the process at once (the signals get their default action back after the
// first, so this holds even when the loops no longer run).
class ShutdownSignals {
 public:
  static constexpr std::chrono::seconds kStopGrace{10};

  ShutdownSignals(boost::asio::io_context& loop, std::chrono::milliseconds drain,
                  std::atomic<bool>& draining, ShutdownWatchdog& watchdog,
                  std::function<void()> shut_down);

  // Stops listening for signals and forgets a pending drain (shutdown has begun anyway).
  void cancel();

 private:
  void wait();
  void on_signal(int signal);

  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_timer_;
  std::chrono::milliseconds drain_;
  std::atomic<bool>& draining_;
  ShutdownWatchdog& watchdog_;
  std::function<void()> shut_down_;
};

}  // namespace app
