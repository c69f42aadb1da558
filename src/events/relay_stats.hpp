#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace events {

// Upper bounds (seconds) of the delivery-lag histogram: from an event's creation (the
// payment's commit) to the platform's acknowledgement.
inline constexpr std::array<double, 11> kDeliveryLagBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,    2.5,   5,    10};

// Counters of the outbox relay, written on the relay's loop and read from any thread
// (relaxed atomics: each value is exact, a snapshot is not one instant across values).
class RelayStats {
 public:
  struct Snapshot {
    std::uint64_t delivered_total = 0;
    std::uint64_t failed_attempts_total = 0;
    // Cumulative, Prometheus style: lag_buckets[i] counts lags <= kDeliveryLagBuckets[i].
    std::array<std::uint64_t, kDeliveryLagBuckets.size()> lag_buckets{};
    std::uint64_t lag_count = 0;  // the +Inf bucket
    double lag_sum_seconds = 0;
  };

  void record_delivery(double lag_seconds);
  void record_failed_attempt() { failed_attempts_total_.fetch_add(1, std::memory_order_relaxed); }
  Snapshot snapshot() const;

 private:
  std::atomic<std::uint64_t> delivered_total_{0};
  std::atomic<std::uint64_t> failed_attempts_total_{0};
  // Per bucket, not cumulative; the last one is "above every bound".
  std::array<std::atomic<std::uint64_t>, kDeliveryLagBuckets.size() + 1> lag_counts_{};
  std::atomic<std::uint64_t> lag_sum_microseconds_{0};
};

}  // namespace events
