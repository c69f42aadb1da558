#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>

#include "platform/db/errors.hpp"
#include "points/balance_lookup.hpp"
#include "points/points_store.hpp"
#include "test_support.hpp"
#include "users/users_store.hpp"

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using points::ChargeOutcome;

constexpr std::int64_t kNoSuchUser = std::numeric_limits<std::int64_t>::max();

class StoresTest : public it::PoolTest<> {
 protected:
  users::User create_user(const std::string& name) {
    return it::run(ioc, users::create_user(*pool, name));
  }
  users::User create_user() { return create_user(it::unique_name("it-user")); }
  ChargeOutcome charge(std::int64_t user, std::int64_t amount, std::int64_t max_balance) {
    return it::run(ioc, points::charge(*pool, user, amount, max_balance));
  }
  std::optional<std::int64_t> balance(std::int64_t user) {
    points::BalanceLookup balances(*pool);
    return it::run(ioc, balances.balance(user));
  }
  std::optional<points::HistoryPage> history(std::int64_t user, std::int64_t limit,
                                             std::int64_t offset) {
    return it::run(ioc, points::history(*pool, user, limit, offset));
  }
};

TEST_F(StoresTest, CreateUserReturnsTheRowWithAnEmptyWallet) {
  const auto name = it::unique_name("홍길동");
  auto user = create_user(name);
  EXPECT_GT(user.id, 0);
  EXPECT_EQ(user.name, name);
  EXPECT_TRUE(user.created_at.ends_with("+09:00")) << user.created_at;
  EXPECT_EQ(balance(user.id), 0);
  auto page = history(user.id, 20, 0);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 0);
  EXPECT_TRUE(page->entries.empty());

  auto other = create_user();
  EXPECT_NE(other.id, user.id);
}

TEST_F(StoresTest, UserNameLongerThan100CharactersIsACheckViolation) {
  std::string name;
  for (int i = 0; i < 100; ++i) name += "가";
  EXPECT_EQ(create_user(name).name, name);  // 300 bytes, 100 characters: fine
  try {
    create_user(name + "a");
    ADD_FAILURE() << "expected a check violation";
  } catch (const db::DbError& error) {
    EXPECT_TRUE(error.is_check_violation()) << error.sqlstate();
  }
}

TEST_F(StoresTest, ConcurrentChargesAreAllAppliedAndChained) {
  auto user = create_user();
  constexpr int kCharges = 100;
  int done = 0;
  int failures = 0;
  for (int i = 1; i <= kCharges; ++i) {
    asio::co_spawn(ioc, points::charge(*pool, user.id, i, 100'000'000),
                   [&](std::exception_ptr error, ChargeOutcome outcome) {
                     if (error || outcome.kind != ChargeOutcome::Kind::charged) ++failures;
                     ++done;
                   });
  }
  ioc.restart();
  ioc.run();
  EXPECT_EQ(done, kCharges);
  EXPECT_EQ(failures, 0);
  EXPECT_LE(pool->stats().open, 8u);
  constexpr std::int64_t kTotal = kCharges * (kCharges + 1) / 2;  // 5050
  EXPECT_EQ(balance(user.id), kTotal);

  it::SyncConnection check;
  auto rows = check.exec(
      "SELECT seq, type, amount, balance_after, order_id IS NULL FROM point_history "
      "WHERE user_id = " +
      std::to_string(user.id) + " ORDER BY seq");
  ASSERT_EQ(PQntuples(rows.get()), kCharges);
  std::int64_t running = 0;
  std::vector<bool> seen(kCharges + 1, false);
  for (int row = 0; row < kCharges; ++row) {
    EXPECT_EQ(std::stoll(PQgetvalue(rows.get(), row, 0)), row + 1);  // seq 1..100, no gaps
    EXPECT_STREQ(PQgetvalue(rows.get(), row, 1), "CHARGE");
    auto amount = std::stoll(PQgetvalue(rows.get(), row, 2));
    ASSERT_GE(amount, 1);
    ASSERT_LE(amount, kCharges);
    EXPECT_FALSE(seen[amount]) << "amount " << amount << " recorded twice";
    seen[amount] = true;
    running += amount;
    EXPECT_EQ(std::stoll(PQgetvalue(rows.get(), row, 3)), running) << "seq " << row + 1;
    EXPECT_STREQ(PQgetvalue(rows.get(), row, 4), "t");
  }
  EXPECT_EQ(running, kTotal);
  EXPECT_EQ(check.scalar_int("SELECT version FROM point_wallets WHERE user_id = " +
                             std::to_string(user.id)),
            kCharges);
}

TEST_F(StoresTest, ConcurrentChargesNeverExceedTheLimit) {
  auto user = create_user();
  constexpr int kCharges = 40;
  int charged = 0;
  int limited = 0;
  for (int i = 0; i < kCharges; ++i) {
    asio::co_spawn(ioc, points::charge(*pool, user.id, 10, 200),
                   [&](std::exception_ptr error, ChargeOutcome outcome) {
                     ASSERT_FALSE(error);
                     if (outcome.kind == ChargeOutcome::Kind::charged) ++charged;
                     if (outcome.kind == ChargeOutcome::Kind::limit_exceeded) {
                       ++limited;
                       EXPECT_LE(outcome.balance, 200);
                     }
                   });
  }
  ioc.restart();
  ioc.run();
  EXPECT_EQ(charged, 20);
  EXPECT_EQ(limited, 20);
  EXPECT_EQ(balance(user.id), 200);
  EXPECT_EQ(history(user.id, 100, 0)->total, 20);
}

TEST_F(StoresTest, ChargeOverTheLimitLeavesTheBalanceUnchanged) {
  auto user = create_user();
  auto first = charge(user.id, 900, 1000);
  EXPECT_EQ(first.kind, ChargeOutcome::Kind::charged);
  EXPECT_EQ(first.balance, 900);

  auto over = charge(user.id, 101, 1000);
  EXPECT_EQ(over.kind, ChargeOutcome::Kind::limit_exceeded);
  EXPECT_EQ(over.balance, 900);
  EXPECT_EQ(balance(user.id), 900);
  EXPECT_EQ(history(user.id, 20, 0)->total, 1);

  auto exact = charge(user.id, 100, 1000);  // reaching the maximum exactly is allowed
  EXPECT_EQ(exact.kind, ChargeOutcome::Kind::charged);
  EXPECT_EQ(exact.balance, 1000);

  auto one_more = charge(user.id, 1, 1000);
  EXPECT_EQ(one_more.kind, ChargeOutcome::Kind::limit_exceeded);
  EXPECT_EQ(one_more.balance, 1000);
  EXPECT_EQ(balance(user.id), 1000);
  EXPECT_EQ(history(user.id, 20, 0)->total, 2);
}

TEST_F(StoresTest, ChargeNearInt64MaxDoesNotOverflow) {
  auto user = create_user();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  auto outcome = charge(user.id, kMax, 100'000'000);
  EXPECT_EQ(outcome.kind, ChargeOutcome::Kind::limit_exceeded);
  EXPECT_EQ(outcome.balance, 0);
  EXPECT_EQ(balance(user.id), 0);
}

TEST_F(StoresTest, UnknownUser) {
  auto outcome = charge(kNoSuchUser, 10, 1000);
  EXPECT_EQ(outcome.kind, ChargeOutcome::Kind::user_not_found);
  EXPECT_EQ(balance(kNoSuchUser), std::nullopt);
  EXPECT_EQ(history(kNoSuchUser, 20, 0), std::nullopt);
}

TEST_F(StoresTest, HistoryPagesNewestFirstWithTotal) {
  auto user = create_user();
  for (int amount = 1; amount <= 25; ++amount) {
    ASSERT_EQ(charge(user.id, amount, 100'000'000).kind, ChargeOutcome::Kind::charged);
  }
  auto first = history(user.id, 10, 0);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->total, 25);
  ASSERT_EQ(first->entries.size(), 10u);
  EXPECT_EQ(first->entries[0].amount, 25);
  EXPECT_EQ(first->entries[0].balance_after, 325);
  EXPECT_EQ(first->entries[0].type, "CHARGE");
  EXPECT_EQ(first->entries[0].order_id, std::nullopt);
  EXPECT_TRUE(first->entries[0].created_at.ends_with("+09:00")) << first->entries[0].created_at;
  for (std::size_t i = 1; i < first->entries.size(); ++i) {
    EXPECT_EQ(first->entries[i].amount, first->entries[i - 1].amount - 1);
    EXPECT_EQ(first->entries[i].balance_after,
              first->entries[i - 1].balance_after - first->entries[i - 1].amount);
  }

  auto last = history(user.id, 10, 20);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->total, 25);
  ASSERT_EQ(last->entries.size(), 5u);
  EXPECT_EQ(last->entries.back().amount, 1);
  EXPECT_EQ(last->entries.back().balance_after, 1);

  auto beyond = history(user.id, 10, 100);
  ASSERT_TRUE(beyond.has_value());
  EXPECT_EQ(beyond->total, 25);
  EXPECT_TRUE(beyond->entries.empty());
}

}  // namespace
