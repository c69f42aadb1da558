// ProductLookup against a real PostgreSQL: coalesced lookups answer exactly what a lookup of
// their own would, with fewer statements.

#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "catalog/product_lookup.hpp"
#include "platform/db/errors.hpp"
#include "test_support.hpp"

namespace {

class ProductLookupTest : public it::DbTest {
 protected:
  void SetUp() override {
    it::DbTest::SetUp();
    pool = std::make_unique<db::Pool>(ioc.get_executor(), it::pool_options(8));
  }
  void TearDown() override { pool.reset(); }

  std::int64_t add_product(const std::string& name, long long price, long long stock) {
    return std::stoll(sql.scalar(
        "INSERT INTO products (name, description, price, stock) VALUES ('" + name + "', 'd-" +
        name + "', " + std::to_string(price) + ", " + std::to_string(stock) + ") RETURNING id"));
  }

  boost::asio::io_context ioc;
  std::unique_ptr<db::Pool> pool;
  it::SyncConnection sql;
};

TEST_F(ProductLookupTest, ConcurrentLookupsShareStatementsAndGetTheirOwnAnswers) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(add_product(it::unique_name("lookup"), 100 + i, 1000 + i));
  }
  catalog::ProductLookup lookup(*pool, 2);
  const std::int64_t missing = 9'000'000'000'000'000'000;
  std::vector<std::optional<catalog::Product>> answers(201);
  for (int i = 0; i < 201; ++i) {
    const std::int64_t id = i == 200 ? missing : ids[static_cast<std::size_t>(i) % ids.size()];
    boost::asio::co_spawn(
        ioc,
        [&, i, id]() -> boost::asio::awaitable<void> { answers[i] = co_await lookup.find(id); },
        boost::asio::detached);
  }
  ioc.run();
  for (int i = 0; i < 200; ++i) {
    const auto expected_id = ids[static_cast<std::size_t>(i) % ids.size()];
    ASSERT_TRUE(answers[i].has_value()) << i;
    EXPECT_EQ(answers[i]->id, expected_id);
    const auto offset = static_cast<long long>(static_cast<std::size_t>(i) % ids.size());
    EXPECT_EQ(answers[i]->price, 100 + offset);
    EXPECT_EQ(answers[i]->stock, 1000 + offset);
    EXPECT_EQ(answers[i]->description.rfind("d-lookup", 0), 0u);
  }
  EXPECT_FALSE(answers[200].has_value());
  // Two queries start at once; every later lookup waits for, and shares, the next ones.
  EXPECT_LE(lookup.queries(), 6u);
  EXPECT_GE(lookup.queries(), 2u);
}

TEST_F(ProductLookupTest, AnswerReflectsChangesCommittedBeforeTheLookup) {
  const auto id = add_product(it::unique_name("fresh"), 500, 10);
  catalog::ProductLookup lookup(*pool);
  EXPECT_EQ(it::run(ioc, lookup.find(id))->stock, 10);
  sql.exec("UPDATE products SET stock = 3 WHERE id = " + std::to_string(id));
  EXPECT_EQ(it::run(ioc, lookup.find(id))->stock, 3);
}

TEST_F(ProductLookupTest, DatabaseFailureReachesEveryWaiter) {
  db::PoolOptions options = it::pool_options(2);
  options.connect.url = "postgresql://nobody@/nowhere?host=/nonexistent";
  db::Pool broken(ioc.get_executor(), options);
  catalog::ProductLookup lookup(broken, 1);
  int failures = 0;
  for (int i = 0; i < 5; ++i) {
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
          try {
            co_await lookup.find(1);
          } catch (const db::DbUnavailable&) {
            ++failures;
          }
        },
        boost::asio::detached);
  }
  ioc.run();
  EXPECT_EQ(failures, 5);
}

}  // namespace
