#include "events/outbox_wakeup.hpp"

#include <utility>

#include <boost/asio/post.hpp>

namespace events {

void OutboxWakeup::committed() {
  if (wake_queued_.exchange(true)) return;
  std::lock_guard lock(mutex_);
  if (!target_) {
    wake_queued_ = false;
    return;
  }
  boost::asio::post(target_->executor, [this] {
    // Cleared before waking: an event committed from here on queues a wake-up of its own.
    wake_queued_ = false;
    std::function<void()> wake;
    {
      std::lock_guard lock(mutex_);
      if (target_) wake = target_->wake;
    }
    if (wake) wake();
  });
}

void OutboxWakeup::attach(boost::asio::any_io_executor executor, std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  target_ = Target{std::move(executor), std::move(wake)};
}

void OutboxWakeup::detach() {
  std::lock_guard lock(mutex_);
  target_.reset();
}

}  // namespace events
