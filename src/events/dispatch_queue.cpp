#include "events/dispatch_queue.hpp"

#include <utility>

namespace events {

void DispatchQueue::add(std::vector<ClaimedEvent> claimed,
                        std::chrono::steady_clock::time_point lease_ends) {
  for (auto& event : claimed) queue_.push_back(QueuedEvent{std::move(event), lease_ends});
}

QueuedEvent DispatchQueue::pop() {
  QueuedEvent next = std::move(queue_.front());
  queue_.pop_front();
  return next;
}

void DispatchQueue::give_back(std::chrono::milliseconds delay, const std::string& reason,
                              std::vector<FailedAttempt>& failures) {
  for (auto& queued : queue_) {
    failures.push_back(FailedAttempt{queued.event.id, queued.event.attempts, delay, reason});
  }
  queue_.clear();
}

bool room_for_delivery(int in_flight, int max_in_flight, bool probing) {
  return in_flight < max_in_flight && !(probing && in_flight > 0);
}

bool lease_too_short(std::chrono::steady_clock::time_point lease_ends,
                     std::chrono::steady_clock::time_point now,
                     std::chrono::steady_clock::duration attempt_budget) {
  return lease_ends - now < attempt_budget;
}

}  // namespace events
