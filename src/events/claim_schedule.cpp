#include "events/claim_schedule.hpp"

#include <algorithm>

namespace events {

bool wants_top_up(Outstanding outstanding, int batch_size) {
  return outstanding.total() <= batch_size / 2;
}

int claim_limit(Outstanding outstanding, int batch_size, bool probing, bool probe_due) {
  if (probing) return outstanding.total() == 0 && probe_due ? 1 : 0;
  // Top up the queue only when it has drained to half, so claims stay batched.
  if (!wants_top_up(outstanding, batch_size)) return 0;
  return batch_size - outstanding.total();
}

bool claim_came_back_full(std::size_t claimed, int limit, bool probing) {
  return static_cast<int>(claimed) == limit && !probing;
}

RelayClock::duration time_to_next_claim(RelayClock::time_point now,
                                        std::chrono::milliseconds poll_interval,
                                        std::optional<RelayClock::time_point> earliest_retry,
                                        std::optional<RelayClock::time_point> next_probe) {
  auto wake_at = now + poll_interval;
  if (earliest_retry && *earliest_retry > now) wake_at = std::min(wake_at, *earliest_retry);
  if (next_probe && *next_probe > now) wake_at = std::min(wake_at, *next_probe);
  return wake_at - now;
}

}  // namespace events
