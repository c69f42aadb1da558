#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

namespace events {

// When the relay claims due events from the outbox, and how many: plain decisions, no I/O.

using RelayClock = std::chrono::steady_clock;

// Events claimed and not finished yet: waiting in the queue or being delivered.
struct Outstanding {
  int queued = 0;
  int in_flight = 0;
  int total() const { return queued + in_flight; }
};

// Whether the queue has drained far enough (to half a batch) to be topped up: claims stay
// batched instead of one row each time a delivery ends.
bool wants_top_up(Outstanding outstanding, int batch_size);

// How many events to claim now; 0: none. While the platform fails (`probing`), one event at
// a time probes it, once the probe is due and nothing else is out, instead of every due
// event failing on its own and piling up backoff. `batch_size` must be positive.
int claim_limit(Outstanding outstanding, int batch_size, bool probing, bool probe_due);

// Whether a claim that returned `claimed` rows of `limit` may have left more due right now,
// so the relay claims again at once (never while probing: one probe at a time).
bool claim_came_back_full(std::size_t claimed, int limit, bool probing);

// The earliest moment an event this relay rescheduled comes due again, so the claimer wakes
// for it rather than at the next poll.
class EarliestRetry {
 public:
  void note(RelayClock::time_point due) {
    if (!due_ || due < *due_) due_ = due;
  }
  // A claim at `now` takes every retry due by then.
  void forget_if_due(RelayClock::time_point now) {
    if (due_ && *due_ <= now) due_.reset();
  }
  std::optional<RelayClock::time_point> due() const { return due_; }

 private:
  std::optional<RelayClock::time_point> due_;
};

// How long the claimer sleeps unless woken: until the next poll, or sooner until the
// earliest retry or a probe waiting to go out (`next_probe`: none while a probe is out, as
// its outcome wakes the claimer).
RelayClock::duration time_to_next_claim(RelayClock::time_point now,
                                        std::chrono::milliseconds poll_interval,
                                        std::optional<RelayClock::time_point> earliest_retry,
                                        std::optional<RelayClock::time_point> next_probe);

}  // namespace events
