#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "events/dispatch_queue.hpp"

namespace {

using events::ClaimedEvent;
using events::DispatchQueue;
using events::FailedAttempt;
using events::lease_too_short;
using events::room_for_delivery;
using std::chrono::milliseconds;

const auto kT0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);

std::vector<ClaimedEvent> claimed(std::vector<std::int64_t> ids, int attempts) {
  std::vector<ClaimedEvent> out;
  for (auto id : ids) out.push_back(ClaimedEvent{id, std::to_string(id), "{}", attempts});
  return out;
}

TEST(EventsDispatchQueue, HandsOutEventsInClaimOrderWithTheirLease) {
  DispatchQueue queue;
  EXPECT_TRUE(queue.empty());
  queue.add(claimed({1, 2}, 1), kT0);
  queue.add(claimed({3}, 2), kT0 + milliseconds(10));
  EXPECT_EQ(queue.size(), 3);
  EXPECT_EQ(queue.pop().event.id, 1);
  EXPECT_EQ(queue.pop().event.event_id, "2");
  const auto last = queue.pop();
  EXPECT_EQ(last.event.id, 3);
  EXPECT_EQ(last.event.attempts, 2);
  EXPECT_EQ(last.lease_ends, kT0 + milliseconds(10));
  EXPECT_TRUE(queue.empty());
}

TEST(EventsDispatchQueue, GivesBackEveryQueuedEventAsAFailedAttempt) {
  DispatchQueue queue;
  queue.add(claimed({7, 8}, 3), kT0);
  std::vector<FailedAttempt> failures{FailedAttempt{1, 1, milliseconds(5), "earlier"}};
  queue.give_back(milliseconds(1500), "not sent", failures);
  EXPECT_TRUE(queue.empty());
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0].error, "earlier");
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(failures[i].id, static_cast<std::int64_t>(6 + i));
    EXPECT_EQ(failures[i].attempts, 3);  // as claimed: the attempt was counted then
    EXPECT_EQ(failures[i].delay, milliseconds(1500));
    EXPECT_EQ(failures[i].error, "not sent");
  }
}

TEST(EventsDispatchQueue, StartsUpToTheLimitAndOneAtATimeWhileProbing) {
  EXPECT_TRUE(room_for_delivery(0, 16, false));
  EXPECT_TRUE(room_for_delivery(15, 16, false));
  EXPECT_FALSE(room_for_delivery(16, 16, false));
  EXPECT_TRUE(room_for_delivery(0, 16, true));
  EXPECT_FALSE(room_for_delivery(1, 16, true));
}

TEST(EventsDispatchQueue, LeavesAnEventWhoseLeaseCannotCoverAnAttempt) {
  const milliseconds budget(5000);
  EXPECT_FALSE(lease_too_short(kT0 + milliseconds(5000), kT0, budget));
  EXPECT_TRUE(lease_too_short(kT0 + milliseconds(4999), kT0, budget));
  EXPECT_TRUE(lease_too_short(kT0, kT0 + milliseconds(1), budget));
}

}  // namespace
