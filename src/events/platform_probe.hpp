#pragma once

#include <chrono>

#include "events/retry_policy.hpp"

namespace events {

// Whether the data platform (the sink itself, not one event) is failing, and when the relay
// may next probe it with one event: plain state, the caller passes the time and the jitter.
class PlatformProbe {
 public:
  using Clock = std::chrono::steady_clock;

  // Probes back off from the retry's first delay up to twice the poll interval, so a
  // platform that comes back is noticed within a poll or two.
  PlatformProbe(const RetryPolicy& retry, std::chrono::milliseconds poll_interval)
      : probing_{retry.initial, 2 * poll_interval} {}

  bool failing() const { return consecutive_failures_ > 0; }
  int consecutive_failures() const { return consecutive_failures_; }
  Clock::time_point next_probe_at() const { return next_probe_at_; }
  bool probe_due(Clock::time_point now) const { return now >= next_probe_at_; }
  // How long until the next probe, from `now` (negative once it is due).
  std::chrono::milliseconds time_to_next_probe(Clock::time_point now) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(next_probe_at_ - now);
  }

  // The platform acknowledged an event; returns the failed attempts it recovered from (0:
  // it was not failing).
  int record_success();
  // The platform was unavailable for an attempt at `now`; the next probe waits the
  // probing backoff, `jitter` in [0, 1) as retry_delay takes it.
  void record_failure(Clock::time_point now, double jitter);

 private:
  RetryPolicy probing_;
  int consecutive_failures_ = 0;
  Clock::time_point next_probe_at_{};
};

}  // namespace events
