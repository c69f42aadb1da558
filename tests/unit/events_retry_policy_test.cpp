#include <chrono>

#include <gtest/gtest.h>

#include "events/retry_policy.hpp"

namespace {

using events::retry_delay;
using events::RetryPolicy;
using std::chrono::milliseconds;

TEST(EventsRetryPolicy, DoublesFromTheInitialDelay) {
  const RetryPolicy policy;  // 0.5 s doubling to 60 s
  // jitter 1 is the top of the range: the undiminished delay
  EXPECT_EQ(retry_delay(policy, 1, 1.0), milliseconds(500));
  EXPECT_EQ(retry_delay(policy, 2, 1.0), milliseconds(1000));
  EXPECT_EQ(retry_delay(policy, 3, 1.0), milliseconds(2000));
  EXPECT_EQ(retry_delay(policy, 7, 1.0), milliseconds(32'000));
}

TEST(EventsRetryPolicy, StopsAtTheCap) {
  const RetryPolicy policy;
  EXPECT_EQ(retry_delay(policy, 8, 1.0), milliseconds(60'000));
  EXPECT_EQ(retry_delay(policy, 50, 1.0), milliseconds(60'000));
  EXPECT_EQ(retry_delay(policy, 1'000'000, 1.0), milliseconds(60'000));
}

TEST(EventsRetryPolicy, JitterStaysInTheUpperHalf) {
  const RetryPolicy policy;
  EXPECT_EQ(retry_delay(policy, 3, 0.0), milliseconds(1000));
  EXPECT_EQ(retry_delay(policy, 3, 0.5), milliseconds(1500));
  for (double jitter = 0; jitter < 1; jitter += 0.01) {
    const auto delay = retry_delay(policy, 20, jitter);
    EXPECT_GE(delay, milliseconds(30'000));
    EXPECT_LE(delay, milliseconds(60'000));
  }
}

TEST(EventsRetryPolicy, OutOfRangeInputsAreClamped) {
  const RetryPolicy policy;
  EXPECT_EQ(retry_delay(policy, 0, 1.0), milliseconds(500));
  EXPECT_EQ(retry_delay(policy, -3, 1.0), milliseconds(500));
  EXPECT_EQ(retry_delay(policy, 1, 7.0), milliseconds(500));
  EXPECT_EQ(retry_delay(policy, 1, -1.0), milliseconds(250));
}

TEST(EventsRetryPolicy, CustomPolicy) {
  const RetryPolicy policy{milliseconds(100), milliseconds(250)};
  EXPECT_EQ(retry_delay(policy, 1, 1.0), milliseconds(100));
  EXPECT_EQ(retry_delay(policy, 2, 1.0), milliseconds(200));
  EXPECT_EQ(retry_delay(policy, 3, 1.0), milliseconds(250));
}

}  // namespace
