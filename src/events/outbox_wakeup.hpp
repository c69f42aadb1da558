#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>

#include <boost/asio/any_io_executor.hpp>

namespace events {

// How this process's payments wake its outbox relay, owned by main and handed to both: the
// payment code calls committed() after each COMMIT that wrote an outbox event, the relay
// attaches its wake-up. Thread-safe and cheap: a burst of calls queues one wake-up, and one
// claim after it sees every event committed before it.
class OutboxWakeup {
 public:
  // From any thread: an outbox event was just committed.
  void committed();

  // The relay: run `wake` on `executor` after commits; replaces any earlier attachment.
  // `wake` must stay callable until detach().
  void attach(boost::asio::any_io_executor executor, std::function<void()> wake);
  // The relay is going away: commits from now on wake nothing.
  void detach();

 private:
  struct Target {
    boost::asio::any_io_executor executor;
    std::function<void()> wake;
  };
  std::mutex mutex_;
  std::optional<Target> target_;
  std::atomic<bool> wake_queued_{false};
};

}  // namespace events
