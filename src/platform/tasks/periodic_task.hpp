#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "platform/async/wake_up.hpp"

namespace tasks {

struct PeriodicSettings {
  std::chrono::milliseconds period{1000};
  // Each sleep is period ± jitter × period, so instances started together drift apart.
  double jitter = 0.1;
  // After a step fails with db::DbUnavailable the next one waits this long, doubling up to
  // max_backoff while it keeps failing; one success brings back `period`.
  std::chrono::milliseconds failure_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
};

// One named background job run every period on one event loop, after userver's
// utils::PeriodicTask: the first step runs at start(); a step that fails with
// db::DbUnavailable backs off; any other failure is logged and the period kept (the task
// never dies of an exception). stop() wakes the sleep and waits for a running step to end.
// Not thread-safe: start() and stop() belong to the task's loop (or before it runs).
class PeriodicTask {
 public:
  using Step = std::function<boost::asio::awaitable<void>()>;

  PeriodicTask(boost::asio::any_io_executor executor, std::string name, PeriodicSettings settings,
               Step step);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void start();
  // Idempotent. After it returns no step runs and none will.
  boost::asio::awaitable<void> stop();
  // For long steps that want to end early (e.g. between batches).
  bool stopping() const { return stopping_; }
  const std::string& name() const { return name_; }

 private:
  boost::asio::awaitable<void> run();
  std::chrono::milliseconds next_sleep(bool failed);

  boost::asio::any_io_executor executor_;
  std::string name_;
  PeriodicSettings settings_;
  Step step_;
  async::WakeUp wake_;      // stop() interrupts the sleep
  async::WakeUp finished_;  // run() tells stop() it has returned
  std::mt19937 random_;
  std::chrono::milliseconds backoff_{0};
  bool started_ = false;
  bool running_ = false;
  bool stopping_ = false;
};

}  // namespace tasks
