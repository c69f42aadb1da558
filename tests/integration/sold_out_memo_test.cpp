// The FCFS rush's sold-out path against a real PostgreSQL: after the sell-out, answers come
// from the coalesced diagnosis and keep the precedence of the full path.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "coupons/coupons_store.hpp"
#include "coupons/issue_batcher.hpp"
#include "coupons/sold_out_memo.hpp"
#include "test_support.hpp"

namespace {

using Kind = coupons::IssueOutcome::Kind;

class SoldOutMemoTest : public it::DbTest {
 protected:
  void SetUp() override {
    it::DbTest::SetUp();
    pool = std::make_unique<db::Pool>(ioc.get_executor(), it::pool_options(8));
  }
  void TearDown() override { pool.reset(); }

  std::int64_t add_user() {
    return sql.scalar_int("INSERT INTO users (name) VALUES ('gate') RETURNING id");
  }
  std::int64_t add_coupon(int quantity) {
    return sql.scalar_int(
        "INSERT INTO coupons (name, discount_type, discount_value, total_quantity, "
        "remaining_quantity, issue_starts_at, issue_ends_at, valid_days) VALUES ('gate', "
        "'FIXED', 100, " +
        std::to_string(quantity) + ", " + std::to_string(quantity) +
        ", now() - interval '1 hour', now() + interval '1 hour', 7) RETURNING id");
  }
  Kind issue(std::int64_t user, std::int64_t coupon, coupons::SoldOutMemo& gate) {
    return it::run(ioc, coupons::issue_coupon(batcher, *pool, user, coupon, &gate)).kind;
  }

  boost::asio::io_context ioc;
  coupons::IssueBatcher batcher{
      db::BatchedWriteLimits{64, 1, std::chrono::milliseconds(0), nullptr}};
  std::unique_ptr<db::Pool> pool;
  it::SyncConnection sql;
};

TEST_F(SoldOutMemoTest, MemoLearnsTheSellOutAndKeepsThePrecedence) {
  coupons::SoldOutMemo gate(*pool);
  const auto coupon = add_coupon(1);
  const auto holder = add_user();
  const auto late = add_user();
  EXPECT_EQ(issue(holder, coupon, gate), Kind::issued);
  EXPECT_FALSE(gate.known_sold_out(coupon));
  EXPECT_EQ(issue(late, coupon, gate), Kind::sold_out);
  EXPECT_TRUE(gate.known_sold_out(coupon));

  // Concurrent requests through the gate: each gets its own answer.
  const std::int64_t unknown_user = 9'000'000'000'000'000'000;
  const std::int64_t unknown_coupon = 9'000'000'000'000'000'001;
  gate.mark_sold_out(unknown_coupon);  // must still say "no such coupon"
  std::vector<std::pair<std::int64_t, std::int64_t>> requests;
  std::map<std::size_t, Kind> expected;
  for (int i = 0; i < 40; ++i) {
    switch (i % 4) {
      case 0:
        requests.emplace_back(late, coupon), expected[requests.size() - 1] = Kind::sold_out;
        break;
      case 1:
        requests.emplace_back(holder, coupon), expected[requests.size() - 1] = Kind::already_issued;
        break;
      case 2:
        requests.emplace_back(unknown_user, coupon),
            expected[requests.size() - 1] = Kind::user_not_found;
        break;
      default:
        requests.emplace_back(late, unknown_coupon),
            expected[requests.size() - 1] = Kind::coupon_not_found;
    }
  }
  std::vector<Kind> got(requests.size(), Kind::issued);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    boost::asio::co_spawn(
        ioc,
        [&, i]() -> boost::asio::awaitable<void> {
          const auto outcome = co_await coupons::issue_coupon(batcher, *pool, requests[i].first,
                                                              requests[i].second, &gate);
          got[i] = outcome.kind;
        },
        boost::asio::detached);
  }
  ioc.restart();
  ioc.run();
  for (std::size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(got[i], expected[i]) << i;
  EXPECT_EQ(sql.scalar_int("SELECT count(*) FROM user_coupons WHERE coupon_id = " +
                           std::to_string(coupon)),
            1);
}

}  // namespace
