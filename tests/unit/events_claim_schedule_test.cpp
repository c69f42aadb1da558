#include <chrono>
#include <optional>

#include <gtest/gtest.h>

#include "events/claim_schedule.hpp"

namespace {

using events::claim_came_back_full;
using events::claim_limit;
using events::EarliestRetry;
using events::Outstanding;
using events::RelayClock;
using events::time_to_next_claim;
using events::wants_top_up;
using std::chrono::milliseconds;

constexpr int kBatch = 100;

TEST(EventsClaimSchedule, TopsUpOnlyOnceDrainedToHalfABatch) {
  EXPECT_TRUE(wants_top_up(Outstanding{0, 0}, kBatch));
  EXPECT_TRUE(wants_top_up(Outstanding{30, 20}, kBatch));
  EXPECT_FALSE(wants_top_up(Outstanding{30, 21}, kBatch));
  EXPECT_FALSE(wants_top_up(Outstanding{0, 51}, kBatch));
}

TEST(EventsClaimSchedule, ClaimsWhatFillsTheBatch) {
  EXPECT_EQ(claim_limit(Outstanding{0, 0}, kBatch, false, false), 100);
  EXPECT_EQ(claim_limit(Outstanding{34, 16}, kBatch, false, false), 50);
  EXPECT_EQ(claim_limit(Outstanding{35, 16}, kBatch, false, true), 0);
  EXPECT_EQ(claim_limit(Outstanding{0, 0}, 1, false, false), 1);
  EXPECT_EQ(claim_limit(Outstanding{1, 0}, 1, false, false), 0);
}

TEST(EventsClaimSchedule, ProbesWithOneEventOnceDueAndNothingIsOut) {
  EXPECT_EQ(claim_limit(Outstanding{0, 0}, kBatch, true, true), 1);
  EXPECT_EQ(claim_limit(Outstanding{0, 0}, kBatch, true, false), 0);
  EXPECT_EQ(claim_limit(Outstanding{1, 0}, kBatch, true, true), 0);
  EXPECT_EQ(claim_limit(Outstanding{0, 1}, kBatch, true, true), 0);
}

TEST(EventsClaimSchedule, ClaimsAgainAtOnceOnlyAfterAFullClaimWhileHealthy) {
  EXPECT_TRUE(claim_came_back_full(100, 100, false));
  EXPECT_FALSE(claim_came_back_full(99, 100, false));
  EXPECT_FALSE(claim_came_back_full(1, 1, true));
}

TEST(EventsClaimSchedule, EarliestRetryKeepsTheSoonestUntilAClaimTakesIt) {
  const auto t0 = RelayClock::time_point{} + std::chrono::hours(1);
  EarliestRetry retry;
  EXPECT_FALSE(retry.due());
  retry.note(t0 + milliseconds(800));
  retry.note(t0 + milliseconds(300));
  retry.note(t0 + milliseconds(900));
  EXPECT_EQ(retry.due(), t0 + milliseconds(300));
  retry.forget_if_due(t0 + milliseconds(299));
  EXPECT_EQ(retry.due(), t0 + milliseconds(300));
  retry.forget_if_due(t0 + milliseconds(300));
  EXPECT_FALSE(retry.due());
}

TEST(EventsClaimSchedule, SleepsUntilThePollTheRetryOrTheProbeWhicheverIsFirst) {
  const auto now = RelayClock::time_point{} + std::chrono::hours(1);
  const milliseconds poll(1000);
  EXPECT_EQ(time_to_next_claim(now, poll, std::nullopt, std::nullopt), poll);
  EXPECT_EQ(time_to_next_claim(now, poll, now + milliseconds(200), std::nullopt),
            milliseconds(200));
  EXPECT_EQ(time_to_next_claim(now, poll, now + milliseconds(200), now + milliseconds(50)),
            milliseconds(50));
  EXPECT_EQ(time_to_next_claim(now, poll, now + milliseconds(5000), now + milliseconds(3000)),
            poll);
  // Past times do not make the claimer spin: the poll bounds the sleep.
  EXPECT_EQ(time_to_next_claim(now, poll, now - milliseconds(10), now), poll);
}

}  // namespace
