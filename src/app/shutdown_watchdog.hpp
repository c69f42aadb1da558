#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace app {

// The hard bound on a stop: once armed (by the first SIGTERM or SIGINT), the process ends
// after `limit` whatever it is waiting for: a dependency that never answers (a database that
// takes requests and stays silent, a NATS server that is absent) must not keep it alive. An
// orderly stop that finishes first disarms it when this object is destroyed, so declare it
// before everything whose destruction it must bound.
class ShutdownWatchdog {
 public:
  ShutdownWatchdog() = default;
  ~ShutdownWatchdog();
  ShutdownWatchdog(const ShutdownWatchdog&) = delete;
  ShutdownWatchdog& operator=(const ShutdownWatchdog&) = delete;

  // Starts the countdown; later calls do nothing.
  void arm(std::chrono::milliseconds limit);

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace app
