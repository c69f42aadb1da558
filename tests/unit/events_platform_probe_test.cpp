#include <chrono>

#include <gtest/gtest.h>

#include "events/platform_probe.hpp"

namespace {

using events::PlatformProbe;
using events::RetryPolicy;
using std::chrono::milliseconds;

const auto kT0 = PlatformProbe::Clock::time_point{} + std::chrono::hours(1);

TEST(EventsPlatformProbe, HealthyUntilAFailure) {
  PlatformProbe probe(RetryPolicy{}, milliseconds(1000));
  EXPECT_FALSE(probe.failing());
  EXPECT_TRUE(probe.probe_due(kT0));
  EXPECT_EQ(probe.record_success(), 0);
}

TEST(EventsPlatformProbe, ProbesBackOffFromTheFirstRetryDelayToTwiceThePoll) {
  PlatformProbe probe(RetryPolicy{milliseconds(500), milliseconds(60'000)}, milliseconds(1000));
  probe.record_failure(kT0, 1.0);
  EXPECT_TRUE(probe.failing());
  EXPECT_EQ(probe.next_probe_at(), kT0 + milliseconds(500));
  EXPECT_FALSE(probe.probe_due(kT0 + milliseconds(499)));
  EXPECT_TRUE(probe.probe_due(kT0 + milliseconds(500)));
  probe.record_failure(kT0, 1.0);
  EXPECT_EQ(probe.time_to_next_probe(kT0), milliseconds(1000));
  probe.record_failure(kT0, 1.0);
  EXPECT_EQ(probe.time_to_next_probe(kT0), milliseconds(2000));
  for (int i = 0; i < 20; ++i) probe.record_failure(kT0, 1.0);
  EXPECT_EQ(probe.time_to_next_probe(kT0), milliseconds(2000));  // twice the poll interval
  probe.record_failure(kT0, 0.0);
  EXPECT_EQ(probe.time_to_next_probe(kT0), milliseconds(1000));  // equal jitter: upper half
  EXPECT_EQ(probe.consecutive_failures(), 24);
}

TEST(EventsPlatformProbe, ASuccessReportsTheFailuresItRecoveredFrom) {
  PlatformProbe probe(RetryPolicy{}, milliseconds(1000));
  probe.record_failure(kT0, 0.5);
  probe.record_failure(kT0, 0.5);
  probe.record_failure(kT0, 0.5);
  EXPECT_EQ(probe.record_success(), 3);
  EXPECT_FALSE(probe.failing());
  EXPECT_EQ(probe.record_success(), 0);
}

}  // namespace
