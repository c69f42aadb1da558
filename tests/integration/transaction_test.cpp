#include <chrono>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/errors.hpp"
#include "platform/db/transaction.hpp"
#include "test_support.hpp"

namespace {

namespace asio = boost::asio;
using asio::awaitable;

class TransactionTest : public it::DbTest {
 protected:
  void SetUp() override {
    it::DbTest::SetUp();
    if (HasFatalFailure()) return;
    table = std::make_unique<it::ScratchTable>("it_tx", "v bigint NOT NULL");
    pool = std::make_unique<db::Pool>(ioc.get_executor(), it::pool_options(4));
  }
  void TearDown() override {
    pool.reset();
    table.reset();
  }

  std::string insert_sql(std::int64_t value) const {
    return "INSERT INTO " + table->name() + " VALUES (" + std::to_string(value) + ")";
  }
  long long count_rows() {
    return it::SyncConnection().scalar_int("SELECT count(*) FROM " + table->name());
  }

  asio::io_context ioc;
  std::unique_ptr<it::ScratchTable> table;
  std::unique_ptr<db::Pool> pool;
};

TEST_F(TransactionTest, CommitsOnSuccessAndReturnsTheBodyValue) {
  int runs = 0;
  auto value = it::run(ioc, db::in_transaction(*pool, [&](db::Connection& c) -> awaitable<int> {
                         ++runs;
                         EXPECT_EQ(c.transaction_status(), PQTRANS_INTRANS);
                         co_await c.execute(insert_sql(7).c_str());
                         co_return 42;
                       }));
  EXPECT_EQ(value, 42);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(count_rows(), 1);
  EXPECT_EQ(pool->stats().idle, 1u);  // the connection went back, idle and reusable
}

TEST_F(TransactionTest, RollsBackOnExceptionAndPropagatesIt) {
  int runs = 0;
  try {
    it::run(ioc, db::in_transaction(*pool, [&](db::Connection& c) -> awaitable<int> {
              ++runs;
              co_await c.execute(insert_sql(1).c_str());
              throw std::logic_error("business rule failed");
            }));
    ADD_FAILURE() << "expected the body's exception";
  } catch (const std::logic_error& error) {
    EXPECT_STREQ(error.what(), "business rule failed");
  }
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(count_rows(), 0);
  // The connection was rolled back and returned to the pool, not left in a transaction.
  EXPECT_EQ(pool->stats().idle, 1u);
  auto status = it::run(ioc, [&]() -> awaitable<PGTransactionStatusType> {
    auto lease = co_await pool->acquire();
    co_return lease->transaction_status();
  }());
  EXPECT_EQ(status, PQTRANS_IDLE);
}

TEST_F(TransactionTest, NonRetryableDbErrorIsNotRetried) {
  int runs = 0;
  try {
    it::run(ioc, db::in_transaction(*pool, [&](db::Connection& c) -> awaitable<int> {
              ++runs;
              co_await c.execute(insert_sql(1).c_str());
              co_await c.execute("SELECT 1/0");
              co_return 0;
            }));
    ADD_FAILURE() << "expected a DbError";
  } catch (const db::DbError& error) {
    EXPECT_EQ(error.sqlstate(), "22012");
  }
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(count_rows(), 0);
}

TEST_F(TransactionTest, RetryableErrorIsRetriedUpToMaxAttemptsThenUnavailable) {
  int runs = 0;
  EXPECT_THROW(it::run(ioc, db::in_transaction(
                                *pool,
                                [&](db::Connection& c) -> awaitable<int> {
                                  ++runs;
                                  co_await c.execute(insert_sql(runs).c_str());
                                  throw db::DbError("simulated", "40001", "");
                                },
                                3)),
               db::DbUnavailable);
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(count_rows(), 0);
}

TEST_F(TransactionTest, DeadlockIsRetriedAndThenSucceeds) {
  int runs = 0;
  auto value = it::run(ioc, db::in_transaction(*pool, [&](db::Connection& c) -> awaitable<int> {
                         ++runs;
                         co_await c.execute(insert_sql(runs).c_str());
                         if (runs < 3) throw db::DbError("simulated deadlock", "40P01", "");
                         co_return runs;
                       }));
  EXPECT_EQ(value, 3);
  EXPECT_EQ(count_rows(), 1);  // only the last attempt's row survives
  EXPECT_EQ(it::SyncConnection().scalar_int("SELECT v FROM " + table->name()), 3);
}

TEST_F(TransactionTest, SerializationFailureIsRetriedUntilBothCommit) {
  int runs = 0;
  int reads = 0;
  int committed = 0;
  int failed = 0;
  // Each transaction reads the table's sum and inserts sum + 1. Both read before either
  // writes (the first attempts wait for each other), which SERIALIZABLE cannot allow:
  // one fails with 40001 and in_transaction retries it.
  auto body = [&](db::Connection& c) -> awaitable<int> {
    ++runs;
    co_await c.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
    auto sum =
        co_await c.execute(("SELECT coalesce(sum(v), 0)::bigint FROM " + table->name()).c_str());
    ++reads;
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (int i = 0; reads < 2 && i < 400; ++i) {
      pause.expires_after(std::chrono::milliseconds(5));
      co_await pause.async_wait(asio::use_awaitable);
    }
    co_await c.execute(insert_sql(sum.int64(0, 0) + 1).c_str());
    co_return 0;
  };
  for (int i = 0; i < 2; ++i) {
    asio::co_spawn(ioc, db::in_transaction(*pool, body), [&](std::exception_ptr error, int) {
      if (error) {
        ++failed;
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
        }
      } else {
        ++committed;
      }
    });
  }
  ioc.run();
  EXPECT_EQ(committed, 2);
  EXPECT_EQ(failed, 0);
  EXPECT_GT(runs, 2);
  // A serial order: the second transaction saw the first one's row.
  it::SyncConnection check;
  EXPECT_EQ(check.scalar("SELECT string_agg(v::text, ',' ORDER BY v) FROM " + table->name()),
            "1,2");
}

}  // namespace
