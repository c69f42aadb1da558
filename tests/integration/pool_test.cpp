#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/errors.hpp"
#include "platform/db/pool.hpp"
#include "test_support.hpp"

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using std::chrono::milliseconds;

awaitable<void> yield_once() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

awaitable<void> sleep_for(milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

class PoolTest : public it::DbTest {
 protected:
  asio::io_context ioc;  // declared first: outlives every pool below
};

TEST_F(PoolTest, BoundsConcurrentLeasesUnderLoad) {
  constexpr std::size_t kMax = 5;
  constexpr int kTasks = 50;
  db::Pool pool(ioc.get_executor(), it::pool_options(kMax));
  std::size_t current = 0;
  std::size_t peak = 0;
  std::size_t peak_open = 0;
  int completed = 0;
  int failed = 0;
  for (int i = 0; i < kTasks; ++i) {
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          auto lease = co_await pool.acquire();
          ++current;
          peak = std::max(peak, current);
          peak_open = std::max(peak_open, pool.stats().open);
          co_await lease->execute("SELECT pg_sleep(0.05)");
          --current;
          ++completed;
        },
        [&](std::exception_ptr error) {
          if (error) ++failed;
        });
  }
  const auto start = std::chrono::steady_clock::now();
  ioc.run();
  EXPECT_EQ(completed, kTasks);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(peak, kMax);
  EXPECT_EQ(peak_open, kMax);
  // 50 sleeps of 50 ms on 5 connections: about 0.5 s; serialised would be 2.5 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
  auto stats = pool.stats();
  EXPECT_EQ(stats.open, kMax);
  EXPECT_EQ(stats.idle, kMax);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.waiting, 0u);
}

TEST_F(PoolTest, StatsFollowLeases) {
  db::Pool pool(ioc.get_executor(), it::pool_options(2));
  auto initial = pool.stats();
  EXPECT_EQ(initial.open, 0u);
  EXPECT_EQ(initial.idle, 0u);
  EXPECT_EQ(initial.in_use, 0u);
  EXPECT_EQ(initial.waiting, 0u);
  it::run(ioc, [&]() -> awaitable<void> {
    {
      auto first = co_await pool.acquire();
      auto second = co_await pool.acquire();
      auto stats = pool.stats();
      EXPECT_EQ(stats.open, 2u);
      EXPECT_EQ(stats.in_use, 2u);
      EXPECT_EQ(stats.idle, 0u);

      // A third acquire has to wait; it gets the connection the moment one is released.
      bool third_done = false;
      asio::co_spawn(
          ioc,
          [&]() -> awaitable<void> {
            auto third = co_await pool.acquire();
            auto one = co_await third->execute("SELECT 1");
            EXPECT_EQ(one.int64(0, 0), 1);
            third_done = true;
          },
          asio::detached);
      co_await yield_once();
      EXPECT_EQ(pool.stats().waiting, 1u);
      EXPECT_FALSE(third_done);
      first = db::Pool::Lease();  // give one back
      EXPECT_EQ(pool.stats().waiting, 0u);
      for (int i = 0; i < 100 && !third_done; ++i) co_await sleep_for(milliseconds(10));
      EXPECT_TRUE(third_done);
      EXPECT_EQ(pool.stats().open, 2u);
    }
    auto stats = pool.stats();
    EXPECT_EQ(stats.open, 2u);
    EXPECT_EQ(stats.idle, 2u);
    EXPECT_EQ(stats.in_use, 0u);
  }());
}

TEST_F(PoolTest, IdleConnectionIsReused) {
  db::Pool pool(ioc.get_executor(), it::pool_options(4));
  it::run(ioc, [&]() -> awaitable<void> {
    std::int64_t first_pid = 0;
    {
      auto lease = co_await pool.acquire();
      first_pid = (co_await lease->execute("SELECT pg_backend_pid()")).int64(0, 0);
    }
    auto lease = co_await pool.acquire();
    EXPECT_EQ((co_await lease->execute("SELECT pg_backend_pid()")).int64(0, 0), first_pid);
    EXPECT_EQ(pool.stats().open, 1u);
  }());
}

TEST_F(PoolTest, AcquireTimesOutWhenAllLeasesAreHeld) {
  auto options = it::pool_options(1);
  options.acquire_timeout = milliseconds(200);
  db::Pool pool(ioc.get_executor(), options);
  it::run(ioc, [&]() -> awaitable<void> {
    auto held = co_await pool.acquire();
    const auto start = std::chrono::steady_clock::now();
    bool unavailable = false;
    try {
      auto second = co_await pool.acquire();
    } catch (const db::DbUnavailable&) {
      unavailable = true;
    }
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(unavailable);
    EXPECT_GE(waited, milliseconds(190));
    EXPECT_LT(waited, milliseconds(1500));
    EXPECT_EQ(pool.stats().waiting, 0u);  // the timed-out waiter left the queue
    // The held lease still works and, once released, the pool serves again.
    EXPECT_EQ((co_await held->execute("SELECT 1")).int64(0, 0), 1);
    held = db::Pool::Lease();
    auto again = co_await pool.acquire();
    EXPECT_EQ((co_await again->execute("SELECT 2")).int64(0, 0), 2);
  }());
}

TEST_F(PoolTest, WaiterQueueIsBounded) {
  auto options = it::pool_options(1);
  options.max_waiters = 1;
  options.acquire_timeout = milliseconds(300);
  db::Pool pool(ioc.get_executor(), options);
  it::run(ioc, [&]() -> awaitable<void> {
    auto held = co_await pool.acquire();
    bool first_waiter_timed_out = false;
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          try {
            auto lease = co_await pool.acquire();
          } catch (const db::DbUnavailable&) {
            first_waiter_timed_out = true;
          }
        },
        asio::detached);
    co_await yield_once();
    EXPECT_EQ(pool.stats().waiting, 1u);
    const auto start = std::chrono::steady_clock::now();
    bool shed = false;
    try {
      auto lease = co_await pool.acquire();
    } catch (const db::DbUnavailable&) {
      shed = true;
    }
    EXPECT_TRUE(shed);
    EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(100));  // no queueing
    co_await sleep_for(milliseconds(400));
    EXPECT_TRUE(first_waiter_timed_out);
  }());
}

TEST_F(PoolTest, ConnectionAbandonedMidTransactionIsNotReused) {
  it::ScratchTable table("it_pool_abandon", "id bigint PRIMARY KEY");
  db::Pool pool(ioc.get_executor(), it::pool_options(1));
  it::run(ioc, [&]() -> awaitable<void> {
    std::int64_t abandoned_pid = 0;
    {
      auto lease = co_await pool.acquire();
      abandoned_pid = (co_await lease->execute("SELECT pg_backend_pid()")).int64(0, 0);
      co_await lease->execute("BEGIN");
      co_await lease->execute(("INSERT INTO " + table.name() + " VALUES (1)").c_str());
      EXPECT_EQ(lease->transaction_status(), PQTRANS_INTRANS);
    }  // dropped without COMMIT or ROLLBACK
    EXPECT_EQ(pool.stats().open, 0u);
    EXPECT_EQ(pool.stats().idle, 0u);
    auto lease = co_await pool.acquire();
    EXPECT_EQ(lease->transaction_status(), PQTRANS_IDLE);
    EXPECT_NE((co_await lease->execute("SELECT pg_backend_pid()")).int64(0, 0), abandoned_pid);
    auto count = co_await lease->execute(("SELECT count(*) FROM " + table.name()).c_str());
    EXPECT_EQ(count.int64(0, 0), 0);
  }());
  it::SyncConnection check;
  EXPECT_EQ(check.scalar_int("SELECT count(*) FROM " + table.name()), 0);
}

TEST_F(PoolTest, ConnectionAbandonedMidTransactionFreesASlotForAWaiter) {
  db::Pool pool(ioc.get_executor(), it::pool_options(1));
  it::run(ioc, [&]() -> awaitable<void> {
    auto lease = co_await pool.acquire();
    co_await lease->execute("BEGIN");
    bool waiter_ok = false;
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          auto mine = co_await pool.acquire();
          EXPECT_EQ(mine->transaction_status(), PQTRANS_IDLE);
          waiter_ok = (co_await mine->execute("SELECT 1")).int64(0, 0) == 1;
        },
        asio::detached);
    co_await yield_once();
    EXPECT_EQ(pool.stats().waiting, 1u);
    lease = db::Pool::Lease();  // closes the connection: the waiter may open a new one
    for (int i = 0; i < 200 && !waiter_ok; ++i) co_await sleep_for(milliseconds(10));
    EXPECT_TRUE(waiter_ok);
    EXPECT_EQ(pool.stats().open, 1u);
  }());
}

TEST_F(PoolTest, TerminatedIdleConnectionIsDiscarded) {
  db::Pool pool(ioc.get_executor(), it::pool_options(1));
  it::run(ioc, [&]() -> awaitable<void> {
    std::int64_t old_pid = 0;
    {
      auto lease = co_await pool.acquire();
      old_pid = (co_await lease->execute("SELECT pg_backend_pid()")).int64(0, 0);
    }
    EXPECT_EQ(pool.stats().idle, 1u);
    it::SyncConnection admin;
    EXPECT_EQ(admin.scalar("SELECT pg_terminate_backend(" + std::to_string(old_pid) + ")"), "t");
    EXPECT_TRUE(admin.wait_backend_gone(old_pid));
    // Like an idle pool after a server restart: the backend has long exited and its socket
    // holds the FATAL notice followed by end-of-file.
    co_await sleep_for(milliseconds(200));

    auto lease = co_await pool.acquire();
    auto pid = co_await lease->execute("SELECT pg_backend_pid()");
    EXPECT_NE(pid.int64(0, 0), old_pid);
    EXPECT_EQ(pool.stats().open, 1u);
  }());
}

TEST_F(PoolTest, SchemaNotReadyMakesAcquireUnavailable) {
  std::atomic<bool> ready{false};
  db::Pool pool(ioc.get_executor(), it::pool_options(2), &ready);
  EXPECT_THROW(it::run(ioc, pool.acquire()), db::DbUnavailable);
  EXPECT_EQ(pool.stats().open, 0u);
  ready = true;
  auto one = it::run(ioc, [&]() -> awaitable<std::int64_t> {
    auto lease = co_await pool.acquire();
    co_return (co_await lease->execute("SELECT 1")).int64(0, 0);
  }());
  EXPECT_EQ(one, 1);
}

TEST_F(PoolTest, UnreachableServerFailsFastDuringBackoff) {
  auto options = it::pool_options(2);
  options.connect = it::connect_options("postgresql://postgres@127.0.0.1:1/x?connect_timeout=2");
  options.reconnect_backoff = milliseconds(5000);
  db::Pool pool(ioc.get_executor(), options);
  EXPECT_THROW(it::run(ioc, pool.acquire()), db::DbUnavailable);
  const auto start = std::chrono::steady_clock::now();
  try {
    it::run(ioc, pool.acquire());
    ADD_FAILURE() << "expected DbUnavailable";
  } catch (const db::DbUnavailable& error) {
    EXPECT_NE(std::string(error.what()).find("retrying"), std::string::npos) << error.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_EQ(pool.stats().open, 0u);  // failed connects give their slot back
}

TEST_F(PoolTest, LeaseOutlivingThePoolJustClosesItsConnection) {
  db::Pool::Lease survivor;
  {
    db::Pool pool(ioc.get_executor(), it::pool_options(1));
    survivor = it::run(ioc, pool.acquire());
  }
  EXPECT_EQ(it::run(ioc,
                    [&]() -> awaitable<std::int64_t> {
                      co_return (co_await survivor->execute("SELECT 3")).int64(0, 0);
                    }()),
            3);
  survivor = db::Pool::Lease();  // must not touch the destroyed pool
}

// The slot a closed connection frees belongs to the waiter it is handed to: a newcomer that
// acquires before that waiter resumes must queue, not open a connection over the limit.
TEST_F(PoolTest, SlotFreedForAWaiterIsNotTakenByANewcomer) {
  db::Pool pool(ioc.get_executor(), it::pool_options(1));
  std::size_t peak_open = 0;
  int served = 0;
  it::run(ioc, [&]() -> awaitable<void> {
    auto lease = co_await pool.acquire();
    co_await lease->execute("BEGIN");
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          auto mine = co_await pool.acquire();
          peak_open = std::max(peak_open, pool.stats().open);
          co_await mine->execute("SELECT pg_sleep(0.05)");
          peak_open = std::max(peak_open, pool.stats().open);
          ++served;
        },
        asio::detached);
    co_await yield_once();
    EXPECT_EQ(pool.stats().waiting, 1u);
    lease = db::Pool::Lease();  // closes the connection: the slot goes to the waiter
    auto newcomer = co_await pool.acquire();
    peak_open = std::max(peak_open, pool.stats().open);
    co_await newcomer->execute("SELECT 1");
    peak_open = std::max(peak_open, pool.stats().open);
    ++served;
  }());
  EXPECT_EQ(served, 2);
  EXPECT_LE(peak_open, 1u);
}

}  // namespace
