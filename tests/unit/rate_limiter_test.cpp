#include <array>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "platform/ratelimit/client_rate_limiter.hpp"
#include "platform/ratelimit/token_bucket.hpp"

namespace {

using ratelimit::BucketPolicy;
using ratelimit::ClientKey;
using ratelimit::ClientRateLimiter;
using ratelimit::TokenBucket;

constexpr std::int64_t kSecond = 1'000'000'000;

std::array<std::uint8_t, 16> ipv4(std::uint32_t address) {
  std::array<std::uint8_t, 16> bytes{};
  bytes[10] = bytes[11] = 0xff;
  bytes[12] = static_cast<std::uint8_t>(address >> 24);
  bytes[13] = static_cast<std::uint8_t>(address >> 16);
  bytes[14] = static_cast<std::uint8_t>(address >> 8);
  bytes[15] = static_cast<std::uint8_t>(address);
  return bytes;
}

TEST(TokenBucket, AllowsTheBurstThenTheRate) {
  const BucketPolicy policy{5, 10};
  auto bucket = TokenBucket::full(policy, 0);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(ratelimit::take_token(bucket, policy, 0).allowed) << i;
  auto refused = ratelimit::take_token(bucket, policy, 0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  // 5 per second: one token every 200 ms.
  EXPECT_FALSE(ratelimit::take_token(bucket, policy, kSecond / 10).allowed);
  EXPECT_TRUE(ratelimit::take_token(bucket, policy, kSecond / 5).allowed);
  EXPECT_FALSE(ratelimit::take_token(bucket, policy, kSecond / 5).allowed);
  // A long pause refills only up to the burst.
  int allowed = 0;
  while (ratelimit::take_token(bucket, policy, 100 * kSecond).allowed) ++allowed;
  EXPECT_EQ(allowed, 10);
}

TEST(TokenBucket, RetryAfterIsTheWholeSecondsUntilTheNextToken) {
  const BucketPolicy slow{0.25, 1};  // one token every 4 s
  auto bucket = TokenBucket::full(slow, 0);
  EXPECT_TRUE(ratelimit::take_token(bucket, slow, 0).allowed);
  EXPECT_EQ(ratelimit::take_token(bucket, slow, 0).retry_after_seconds, 4);
  EXPECT_EQ(ratelimit::take_token(bucket, slow, kSecond + kSecond / 2).retry_after_seconds, 3);
  EXPECT_TRUE(ratelimit::take_token(bucket, slow, 4 * kSecond).allowed);
}

TEST(TokenBucket, AClockGoingBackwardsAddsNothing) {
  const BucketPolicy policy{1, 1};
  auto bucket = TokenBucket::full(policy, 10 * kSecond);
  EXPECT_TRUE(ratelimit::take_token(bucket, policy, 10 * kSecond).allowed);
  EXPECT_FALSE(ratelimit::take_token(bucket, policy, 5 * kSecond).allowed);
  EXPECT_FALSE(ratelimit::take_token(bucket, policy, 10 * kSecond + kSecond / 2).allowed);
  EXPECT_TRUE(ratelimit::take_token(bucket, policy, 11 * kSecond).allowed);
}

TEST(ClientKey, SeparatesUsersFromAddressesAndGroupsIpv6By64) {
  EXPECT_EQ(ClientKey::user(1), ClientKey::user(1));
  EXPECT_NE(ClientKey::user(1), ClientKey::user(2));
  EXPECT_EQ(ClientKey::address(ipv4(0x7f000001)), ClientKey::address(ipv4(0x7f000001)));
  EXPECT_NE(ClientKey::address(ipv4(0x7f000001)), ClientKey::address(ipv4(0x7f000002)));
  std::array<std::uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8};
  auto b = a;
  b[15] = 9;  // same /64
  auto c = a;
  c[7] = 2;  // another /64
  EXPECT_EQ(ClientKey::address(a), ClientKey::address(b));
  EXPECT_NE(ClientKey::address(a), ClientKey::address(c));
}

TEST(ClientRateLimiter, KeepsOneBucketPerClient) {
  ClientRateLimiter limiter({1, 3, 1000});
  const auto alice = ClientKey::user(1);
  const auto bob = ClientKey::user(2);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.admit(alice, 0).allowed);
  EXPECT_FALSE(limiter.admit(alice, 0).allowed);
  EXPECT_TRUE(limiter.admit(bob, 0).allowed);
  EXPECT_TRUE(limiter.admit(alice, kSecond).allowed);
  EXPECT_EQ(limiter.tracked_clients(), 2u);
}

TEST(ClientRateLimiter, AMillionAddressesStayWithinTheCap) {
  ClientRateLimiter limiter({10, 20, 6400});
  for (std::uint32_t i = 0; i < 1'000'000; ++i) {
    ASSERT_TRUE(limiter.admit(ClientKey::address(ipv4(0x0a000000 + i)), i).allowed);
  }
  EXPECT_LE(limiter.tracked_clients(), 6400u);
  EXPECT_GE(limiter.tracked_clients(), 6000u);  // the shards fill evenly enough
}

TEST(ClientRateLimiter, AnActiveClientKeepsItsBucketWhileOthersComeAndGo) {
  ClientRateLimiter limiter({1, 5, 640});
  const auto busy = ClientKey::user(99);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.admit(busy, 0).allowed);
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    limiter.admit(ClientKey::address(ipv4(i)), 0);
    // The busy client keeps asking (and being refused): its empty bucket stays recent.
    if (i % 50 == 0) {
      ASSERT_FALSE(limiter.admit(busy, 0).allowed) << i;
    }
  }
}

TEST(ClientRateLimiter, CountsOneClientExactlyAcrossThreads) {
  // Four threads (like four event loops) share one client's bucket: over a simulated
  // 10 s at 100/s with a burst of 50, exactly 50 + 1000 requests get through.
  ClientRateLimiter limiter({100, 50, 1000});
  const auto client = ClientKey::address(ipv4(0x7f000001));
  std::atomic<int> allowed{0};
  std::atomic<std::int64_t> clock{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        const auto now = clock.fetch_add(kSecond / 8000) + kSecond / 8000;
        if (limiter.admit(client, std::min<std::int64_t>(now, 10 * kSecond)).allowed) ++allowed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_NEAR(allowed.load(), 1050, 2);
}

}  // namespace
