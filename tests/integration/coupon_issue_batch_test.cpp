// Coupon issue batches (issue_coupons_batch, migration 0016) against a real PostgreSQL:
// each request answered as if alone, in order; exactly N issued, one per user, across
// several instances' batchers.

#include <atomic>
#include <chrono>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>

#include "coupons/coupons_store.hpp"
#include "coupons/issue_batcher.hpp"
#include "test_support.hpp"
#include "users/users_store.hpp"

namespace {

namespace asio = boost::asio;
using coupons::IssueOutcome;
using Kind = IssueOutcome::Kind;

constexpr std::int64_t kNoSuchUser = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kNoSuchCoupon = std::numeric_limits<std::int64_t>::max() - 1;

class CouponIssueBatchTest : public it::PoolTest<> {
 protected:
  std::int64_t create_user() {
    return it::run(ioc, users::create_user(*pool, it::unique_name("it-issue"))).id;
  }
  // A coupon issued from `starts` (an SQL interval from now) for two hours.
  std::int64_t create_coupon(int quantity, const std::string& starts = "- interval '1 hour'") {
    it::SyncConnection sql;
    return sql.scalar_int(
        "INSERT INTO coupons (name, discount_type, discount_value, total_quantity, "
        "remaining_quantity, issue_starts_at, issue_ends_at, valid_days) VALUES ('batch', "
        "'FIXED', 100, " +
        std::to_string(quantity) + ", " + std::to_string(quantity) + ", now() " + starts +
        ", now() " + starts + " + interval '2 hours', 7) RETURNING id");
  }
  std::vector<IssueOutcome> issue_batch(const std::vector<coupons::IssueRequest>& requests) {
    return it::run(ioc, coupons::issue_coupons(*pool, requests));
  }
  std::int64_t count(const std::string& query) {
    it::SyncConnection sql;
    return sql.scalar_int(query);
  }
};

TEST_F(CouponIssueBatchTest, MixedOutcomesInOneBatchEachAsIfAlone) {
  const auto coupon = create_coupon(2);
  const auto later = create_coupon(5, "+ interval '1 hour'");
  const auto a = create_user();
  const auto b = create_user();
  const auto c = create_user();
  auto outcomes = issue_batch({{a, coupon},
                               {kNoSuchUser, coupon},
                               {a, coupon},  // sees a's issue just before it
                               {b, kNoSuchCoupon},
                               {b, later},
                               {b, coupon},  // the last one
                               {c, coupon},  // none left
                               {kNoSuchUser, kNoSuchCoupon}});
  ASSERT_EQ(outcomes.size(), 8u);
  EXPECT_EQ(outcomes[0].kind, Kind::issued);
  EXPECT_EQ(outcomes[0].issued.user_id, a);
  EXPECT_EQ(outcomes[0].issued.coupon_id, coupon);
  EXPECT_EQ(outcomes[0].issued.name, "batch");
  EXPECT_EQ(outcomes[0].issued.discount_type, "FIXED");
  EXPECT_EQ(outcomes[0].issued.discount_value, 100);
  EXPECT_EQ(outcomes[0].issued.status, "AVAILABLE");
  EXPECT_FALSE(outcomes[0].issued.issued_at.empty());
  EXPECT_NE(outcomes[0].issued.issued_at, outcomes[0].issued.expires_at);
  EXPECT_EQ(outcomes[1].kind, Kind::user_not_found);
  EXPECT_EQ(outcomes[2].kind, Kind::already_issued);
  EXPECT_EQ(outcomes[3].kind, Kind::coupon_not_found);
  EXPECT_EQ(outcomes[4].kind, Kind::not_active);
  EXPECT_EQ(outcomes[5].kind, Kind::issued);
  EXPECT_NE(outcomes[5].issued.id, outcomes[0].issued.id);
  EXPECT_EQ(outcomes[6].kind, Kind::sold_out);
  EXPECT_EQ(outcomes[7].kind, Kind::coupon_not_found);  // the coupon's error comes first
  const auto id = std::to_string(coupon);
  EXPECT_EQ(count("SELECT remaining_quantity FROM coupons WHERE id = " + id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM user_coupons WHERE coupon_id = " + id), 2);
  EXPECT_EQ(count("SELECT remaining_quantity FROM coupons WHERE id = " + std::to_string(later)), 5);
}

TEST_F(CouponIssueBatchTest, EmptyBatchAnswersNothing) {
  EXPECT_TRUE(issue_batch({}).empty());
}

TEST_F(CouponIssueBatchTest, ARushOnSeveralInstancesIssuesExactlyNOnePerUser) {
  // Two instances of two event loops (threads) each, every loop with its own pool; each
  // instance's loops share one batcher that lets two batches run at once. 300 requests
  // (every user twice, and two coupons) for 40 + 25 coupons: exactly 40 and 25 issued, never
  // two to one user, and the batches of different instances never deadlock.
  const auto first = create_coupon(40);
  const auto second = create_coupon(25);
  std::vector<std::int64_t> users;
  for (int i = 0; i < 75; ++i) users.push_back(create_user());
  constexpr int kLoops = 4;
  constexpr int kRequestsPerLoop = 75;
  const db::BatchedWriteLimits limits{64, 2, std::chrono::seconds(30), nullptr};
  coupons::IssueBatcher instance_a(limits), instance_b(limits);
  std::atomic<int> issued{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int loop = 0; loop < kLoops; ++loop) {
    threads.emplace_back([&, loop] {
      asio::io_context context;
      db::Pool loop_pool(context.get_executor(), it::pool_options(4));
      auto& batcher = loop < kLoops / 2 ? instance_a : instance_b;
      for (int i = 0; i < kRequestsPerLoop; ++i) {
        const auto user = users[static_cast<std::size_t>((i + loop * 37) % 75)];
        const auto coupon = (i + loop) % 3 == 0 ? second : first;
        asio::co_spawn(
            context, batcher.issue(loop_pool, user, coupon),
            [&](std::exception_ptr error, IssueOutcome outcome) {
              if (error) {
                ++failed;
              } else if (outcome.kind == Kind::issued) {
                ++issued;
              } else if (outcome.kind == Kind::sold_out || outcome.kind == Kind::already_issued) {
                ++refused;
              } else {
                ++failed;
              }
            });
      }
      context.run();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(issued.load(), 65);
  EXPECT_EQ(refused.load(), kLoops * kRequestsPerLoop - 65);
  EXPECT_LT(instance_a.batches() + instance_b.batches(),
            static_cast<std::uint64_t>(kLoops * kRequestsPerLoop));
  for (const auto coupon : {first, second}) {
    const auto id = std::to_string(coupon);
    EXPECT_EQ(count("SELECT remaining_quantity FROM coupons WHERE id = " + id), 0);
    EXPECT_EQ(count("SELECT count(DISTINCT user_id) FROM user_coupons WHERE coupon_id = " + id),
              count("SELECT total_quantity FROM coupons WHERE id = " + id));
  }
}

}  // namespace
