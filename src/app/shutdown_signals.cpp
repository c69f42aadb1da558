#include "app/shutdown_signals.hpp"

#include <csignal>

#include <spdlog/spdlog.h>

namespace app {

ShutdownSignals::ShutdownSignals(boost::asio::io_context& loop, std::chrono::milliseconds drain,
                                 std::atomic<bool>& draining, ShutdownWatchdog& watchdog,
                                 std::function<void()> shut_down)
    : signals_(loop, SIGINT, SIGTERM),
      drain_timer_(loop),
      drain_(drain),
      draining_(draining),
      watchdog_(watchdog),
      shut_down_(std::move(shut_down)) {
  wait();
}

void ShutdownSignals::cancel() {
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  drain_timer_.cancel();
}

void ShutdownSignals::wait() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal) {
    if (!error) on_signal(signal);
  });
}

void ShutdownSignals::on_signal(int signal) {
  draining_ = true;
  watchdog_.arm(drain_ + std::chrono::milliseconds(kStopGrace));
  // From now on a signal has its default action: a second one ends the process at once,
  // whatever the loops are doing.
  boost::system::error_code ignored;
  signals_.clear(ignored);
  if (drain_.count() == 0) {
    spdlog::info("msg=\"shutting down\" signal={}", signal);
    shut_down_();
    return;
  }
  spdlog::info("msg=\"draining: /ready answers 503, still serving\" signal={} drain_ms={}", signal,
               drain_.count());
  drain_timer_.expires_after(drain_);
  drain_timer_.async_wait([this, signal](const boost::system::error_code& error) {
    if (error) return;
    spdlog::info("msg=\"shutting down\" signal={}", signal);
    shut_down_();
  });
}

}  // namespace app
