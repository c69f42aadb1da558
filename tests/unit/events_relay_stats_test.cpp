#include <gtest/gtest.h>

#include "events/relay_stats.hpp"

namespace {

TEST(EventsRelayStats, StartsEmpty) {
  events::RelayStats stats;
  auto snapshot = stats.snapshot();
  EXPECT_EQ(snapshot.delivered_total, 0u);
  EXPECT_EQ(snapshot.failed_attempts_total, 0u);
  EXPECT_EQ(snapshot.lag_count, 0u);
  for (auto count : snapshot.lag_buckets) EXPECT_EQ(count, 0u);
}

TEST(EventsRelayStats, HistogramIsCumulativeWithInclusiveBounds) {
  events::RelayStats stats;
  stats.record_delivery(0.003);  // <= 0.005
  stats.record_delivery(0.005);  // on a bound: counted in that bucket
  stats.record_delivery(0.07);   // <= 0.1
  stats.record_delivery(30);     // above every bound: +Inf only
  stats.record_delivery(-0.2);   // clock skew: counted as 0
  stats.record_failed_attempt();
  auto s = stats.snapshot();
  EXPECT_EQ(s.delivered_total, 5u);
  EXPECT_EQ(s.failed_attempts_total, 1u);
  EXPECT_EQ(s.lag_buckets[0], 3u);   // 0.005
  EXPECT_EQ(s.lag_buckets[1], 3u);   // 0.01
  EXPECT_EQ(s.lag_buckets[3], 3u);   // 0.05
  EXPECT_EQ(s.lag_buckets[4], 4u);   // 0.1
  EXPECT_EQ(s.lag_buckets[10], 4u);  // 10
  EXPECT_EQ(s.lag_count, 5u);
  EXPECT_NEAR(s.lag_sum_seconds, 30.078, 1e-6);
}

}  // namespace
