#include "events/platform_probe.hpp"

#include <utility>

namespace events {

int PlatformProbe::record_success() {
  return std::exchange(consecutive_failures_, 0);
}

void PlatformProbe::record_failure(Clock::time_point now, double jitter) {
  ++consecutive_failures_;
  next_probe_at_ = now + retry_delay(probing_, consecutive_failures_, jitter);
}

}  // namespace events
