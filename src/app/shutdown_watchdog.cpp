#include "app/shutdown_watchdog.hpp"

#include <cstdio>
#include <cstdlib>

namespace app {

void ShutdownWatchdog::arm(std::chrono::milliseconds limit) {
  const std::lock_guard lock(mutex_);
  if (thread_.joinable() || finished_) return;
  thread_ = std::thread([this, limit] {
    std::unique_lock lock(mutex_);
    if (done_.wait_for(lock, limit, [this] { return finished_; })) return;
    // Not through the logger: whatever hangs may hold it. stderr is unbuffered.
    std::fprintf(stderr, "msg=\"stop did not finish within %lld ms of the signal; exiting now\"\n",
                 static_cast<long long>(limit.count()));
    std::_Exit(1);
  });
}

ShutdownWatchdog::~ShutdownWatchdog() {
  {
    const std::lock_guard lock(mutex_);
    finished_ = true;
  }
  done_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace app
