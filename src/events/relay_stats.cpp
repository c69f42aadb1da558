#include "events/relay_stats.hpp"

#include <algorithm>
#include <cmath>

namespace events {

void RelayStats::record_delivery(double lag_seconds) {
  lag_seconds = std::max(0.0, lag_seconds);  // clocks of the database and of ack may differ
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kDeliveryLagBuckets.begin(), kDeliveryLagBuckets.end(), lag_seconds) -
      kDeliveryLagBuckets.begin());
  lag_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  lag_sum_microseconds_.fetch_add(static_cast<std::uint64_t>(std::llround(lag_seconds * 1e6)),
                                  std::memory_order_relaxed);
  delivered_total_.fetch_add(1, std::memory_order_relaxed);
}

RelayStats::Snapshot RelayStats::snapshot() const {
  Snapshot out;
  out.delivered_total = delivered_total_.load(std::memory_order_relaxed);
  out.failed_attempts_total = failed_attempts_total_.load(std::memory_order_relaxed);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < kDeliveryLagBuckets.size(); ++i) {
    running += lag_counts_[i].load(std::memory_order_relaxed);
    out.lag_buckets[i] = running;
  }
  out.lag_count = running + lag_counts_.back().load(std::memory_order_relaxed);
  out.lag_sum_seconds =
      static_cast<double>(lag_sum_microseconds_.load(std::memory_order_relaxed)) / 1e6;
  return out;
}

}  // namespace events
