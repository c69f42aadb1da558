#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>

#include "points/charge_batcher.hpp"
#include "points/points_store.hpp"
#include "test_support.hpp"
#include "users/users_store.hpp"

namespace {

namespace asio = boost::asio;
using points::ChargeOutcome;
using Kind = ChargeOutcome::Kind;

constexpr std::int64_t kNoSuchUser = std::numeric_limits<std::int64_t>::max();

class ChargeBatchTest : public it::PoolTest<> {
 protected:
  std::int64_t create_user() {
    return it::run(ioc, users::create_user(*pool, it::unique_name("it-batch"))).id;
  }
  std::vector<ChargeOutcome> charge_batch(const std::vector<points::ChargeRequest>& requests,
                                          std::int64_t max_balance) {
    // Nothing else holds these wallets: every charge is settled in the batch.
    std::vector<ChargeOutcome> settled;
    for (const auto& outcome : it::run(ioc, points::charge_batch(*pool, requests, max_balance))) {
      settled.push_back(outcome.value());
    }
    return settled;
  }
  std::string history_of(std::int64_t user) {
    // "seq:amount:balance_after" per row, in seq order.
    it::SyncConnection check;
    auto rows = check.exec("SELECT seq, amount, balance_after FROM point_history WHERE user_id = " +
                           std::to_string(user) + " ORDER BY seq");
    std::string out;
    for (int row = 0; row < PQntuples(rows.get()); ++row) {
      if (!out.empty()) out += ' ';
      out += std::string(PQgetvalue(rows.get(), row, 0)) + ":" + PQgetvalue(rows.get(), row, 1) +
             ":" + PQgetvalue(rows.get(), row, 2);
    }
    return out;
  }
};

TEST_F(ChargeBatchTest, MixedOutcomesInOneBatchEachAsIfAlone) {
  const auto a = create_user();
  const auto b = create_user();
  // a: 600 ok, 300 ok (900), 200 over the 1000 limit, 100 ok (1000); unknown user between;
  // b: over the limit alone, then ok. Amount near int64 max must not overflow.
  auto outcomes = charge_batch({{a, 600},
                                {kNoSuchUser, 5},
                                {a, 300},
                                {b, 1001},
                                {a, 200},
                                {b, 1000},
                                {a, 100},
                                {b, std::numeric_limits<std::int64_t>::max()}},
                               1000);
  ASSERT_EQ(outcomes.size(), 8u);
  EXPECT_EQ(outcomes[0].kind, Kind::charged);
  EXPECT_EQ(outcomes[0].balance, 600);
  EXPECT_EQ(outcomes[1].kind, Kind::user_not_found);
  EXPECT_EQ(outcomes[2].kind, Kind::charged);
  EXPECT_EQ(outcomes[2].balance, 900);
  EXPECT_EQ(outcomes[3].kind, Kind::limit_exceeded);
  EXPECT_EQ(outcomes[3].balance, 0);
  EXPECT_EQ(outcomes[4].kind, Kind::limit_exceeded);
  EXPECT_EQ(outcomes[4].balance, 900);  // sees the two charges before it
  EXPECT_EQ(outcomes[5].kind, Kind::charged);
  EXPECT_EQ(outcomes[5].balance, 1000);
  EXPECT_EQ(outcomes[6].kind, Kind::charged);
  EXPECT_EQ(outcomes[6].balance, 1000);
  EXPECT_EQ(outcomes[7].kind, Kind::limit_exceeded);
  EXPECT_EQ(outcomes[7].balance, 1000);
  EXPECT_EQ(history_of(a), "1:600:600 2:300:900 3:100:1000");
  EXPECT_EQ(history_of(b), "1:1000:1000");
}

TEST_F(ChargeBatchTest, EmptyBatchAnswersNothing) {
  EXPECT_TRUE(charge_batch({}, 1000).empty());
}

TEST_F(ChargeBatchTest, ConcurrentBatchersOnSeveralLoopsNeitherDeadlockNorLoseCharges) {
  // Two instances of two event loops (threads) each, every loop with its own pool; each
  // instance's loops share one batcher that lets two batches run at once. All charge the
  // same users in different orders: batches lock wallets in id order, so none deadlocks.
  std::vector<std::int64_t> users;
  for (int i = 0; i < 6; ++i) users.push_back(create_user());
  constexpr int kLoops = 4;
  constexpr int kChargesPerLoop = 300;
  std::vector<std::thread> threads;
  std::vector<int> failures(kLoops, 0);
  const db::BatchedWriteLimits limits{64, 2, std::chrono::seconds(30), nullptr};
  points::ChargeBatcher instance_a(1'000'000'000, limits), instance_b(1'000'000'000, limits);
  for (int loop = 0; loop < kLoops; ++loop) {
    threads.emplace_back([&, loop] {
      asio::io_context context;
      db::Pool loop_pool(context.get_executor(), it::pool_options(4));
      auto& batcher = loop < kLoops / 2 ? instance_a : instance_b;
      for (int i = 0; i < kChargesPerLoop; ++i) {
        const auto user = users[static_cast<std::size_t>((i * (loop + 1)) % 6)];
        asio::co_spawn(context, batcher.charge(loop_pool, user, 1),
                       [&, loop](std::exception_ptr error, ChargeOutcome outcome) {
                         if (error || outcome.kind != Kind::charged) ++failures[loop];
                       });
      }
      context.run();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LT(instance_a.batches(), static_cast<std::uint64_t>(kChargesPerLoop));
  EXPECT_LT(instance_b.batches(), static_cast<std::uint64_t>(kChargesPerLoop));
  for (int loop = 0; loop < kLoops; ++loop) EXPECT_EQ(failures[loop], 0) << "loop " << loop;
  it::SyncConnection check;
  std::int64_t total = 0;
  for (auto user : users) {
    const auto id = std::to_string(user);
    const auto balance =
        check.scalar_int("SELECT balance FROM point_wallets WHERE user_id = " + id);
    total += balance;
    // History contiguous 1..n and its running balance matches.
    EXPECT_EQ(check.scalar_int("SELECT count(*) FROM point_history WHERE user_id = " + id +
                               " AND seq BETWEEN 1 AND " + std::to_string(balance) +
                               " AND balance_after = seq"),
              balance);
  }
  EXPECT_EQ(total, kLoops * kChargesPerLoop);
}

}  // namespace
