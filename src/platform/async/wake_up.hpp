#pragma once

#include <chrono>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace async {

// Wakes one waiting coroutine on one event loop, or the next one to wait: a notify() with
// nobody waiting is remembered, so a wake-up is never lost between a check and the wait.
// The one primitive for "sleep until told or until a deadline" (instead of hand-written
// never-expiring timers). Not thread-safe: use it on its loop (post notify() from others).
class WakeUp {
 public:
  explicit WakeUp(boost::asio::any_io_executor executor);

  void notify();
  // True when notified, false when `timeout` passed first. Unless a notification is already
  // pending it goes through the loop, even with a zero timeout, so a caller looping on it
  // never starves the others.
  boost::asio::awaitable<bool> wait_for(std::chrono::steady_clock::duration timeout);
  // Until notified.
  boost::asio::awaitable<void> wait();

 private:
  boost::asio::steady_timer timer_;
  bool pending_ = false;
};

}  // namespace async
