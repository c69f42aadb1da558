// BalanceLookup against a real PostgreSQL: coalesced balance reads answer exactly what a
// read of their own would, with fewer statements, and see what was committed before them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "points/balance_lookup.hpp"
#include "test_support.hpp"
#include "users/users_store.hpp"

namespace {

class BalanceLookupTest : public it::PoolTest<> {
 protected:
  std::int64_t create_user(std::int64_t balance) {
    const auto id = it::run(ioc, users::create_user(*pool, it::unique_name("it-balance"))).id;
    set_balance(id, balance);
    return id;
  }
  void set_balance(std::int64_t user, std::int64_t balance) {
    it::SyncConnection().exec("UPDATE point_wallets SET balance = " + std::to_string(balance) +
                              " WHERE user_id = " + std::to_string(user));
  }
};

TEST_F(BalanceLookupTest, ConcurrentReadsShareStatementsAndGetTheirOwnAnswers) {
  std::vector<std::int64_t> users;
  for (int i = 0; i < 10; ++i) users.push_back(create_user(1000 + i));
  points::BalanceLookup lookup(*pool, 2);
  ioc.restart();
  const std::int64_t missing = 9'000'000'000'000'000'000;
  std::vector<std::optional<std::int64_t>> answers(101);
  for (int i = 0; i < 101; ++i) {
    const auto user = i == 100 ? missing : users[static_cast<std::size_t>(i) % users.size()];
    boost::asio::co_spawn(
        ioc,
        [&, i, user]() -> boost::asio::awaitable<void> {
          answers[i] = co_await lookup.balance(user);
        },
        boost::asio::detached);
  }
  ioc.run();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(answers[i].has_value()) << i;
    EXPECT_EQ(*answers[i], 1000 + i % 10) << i;
  }
  EXPECT_FALSE(answers[100].has_value());
  // Two statements start at once; every later read waits for, and shares, the next ones.
  EXPECT_LE(lookup.queries(), 6u);
  EXPECT_GE(lookup.queries(), 2u);
}

TEST_F(BalanceLookupTest, AReadSeesWhatWasCommittedBeforeIt) {
  const auto user = create_user(500);
  points::BalanceLookup lookup(*pool);
  EXPECT_EQ(it::run(ioc, lookup.balance(user)), 500);
  set_balance(user, 70);
  EXPECT_EQ(it::run(ioc, lookup.balance(user)), 70);
}

}  // namespace
