#pragma once

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "events/outbox_store.hpp"

namespace events {

// Claimed events waiting to be sent, oldest first, and the rules for starting the next one:
// plain state and decisions, no I/O.

struct QueuedEvent {
  ClaimedEvent event;
  std::chrono::steady_clock::time_point lease_ends;
};

class DispatchQueue {
 public:
  bool empty() const { return queue_.empty(); }
  int size() const { return static_cast<int>(queue_.size()); }

  // Appends `claimed` (in its order), each leased until `lease_ends`.
  void add(std::vector<ClaimedEvent> claimed, std::chrono::steady_clock::time_point lease_ends);
  // The oldest; the queue must not be empty.
  QueuedEvent pop();
  // Empties the queue into `failures`, each due again after `delay`: events claimed but not
  // sent when the platform turned out unavailable (their attempt was counted when they were
  // claimed).
  void give_back(std::chrono::milliseconds delay, const std::string& reason,
                 std::vector<FailedAttempt>& failures);

 private:
  std::deque<QueuedEvent> queue_;
};

// Whether one more delivery may start: below `max_in_flight`, and only one at a time while
// the platform is being probed.
bool room_for_delivery(int in_flight, int max_in_flight, bool probing);

// Whether an attempt started `now`, which may take up to `attempt_budget`, could outlast the
// lease. Such an event is left to whichever relay claims it when the lease ends, rather
// than risk two relays sending it at once.
bool lease_too_short(std::chrono::steady_clock::time_point lease_ends,
                     std::chrono::steady_clock::time_point now,
                     std::chrono::steady_clock::duration attempt_budget);

}  // namespace events
