// The outbox relay's database side: LISTEN wake-ups on a libpq connection, and the outbox
// statements (claim with lease, reschedule, mark delivered, prune, backlog) on real rows.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "events/outbox_store.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/errors.hpp"
#include "test_support.hpp"

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using std::chrono::milliseconds;

class NotificationTest : public it::DbTest {
 protected:
  asio::io_context ioc;
};

TEST_F(NotificationTest, WakesOnNotifyTimesOutOtherwiseAndReportsADeadConnection) {
  const std::string channel = it::unique_name("it_events_channel");
  it::SyncConnection sender;
  it::run(ioc, [&]() -> awaitable<void> {
    auto listener = co_await db::Connection::connect(ioc.get_executor(), it::connect_options());
    co_await listener->execute(("LISTEN " + channel).c_str());
    const auto pid = (co_await listener->execute("SELECT pg_backend_pid()")).int64(0, 0);

    EXPECT_FALSE(co_await listener->wait_for_notification(milliseconds(50)));
    sender.exec("NOTIFY " + channel);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(co_await listener->wait_for_notification(milliseconds(5000)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));

    // Several notifications are drained by one wake-up.
    sender.exec("NOTIFY " + channel + "; NOTIFY " + channel + ", 'x'");
    EXPECT_TRUE(co_await listener->wait_for_notification(milliseconds(5000)));
    EXPECT_FALSE(co_await listener->wait_for_notification(milliseconds(50)));

    // The connection still runs statements between waits.
    EXPECT_EQ((co_await listener->execute("SELECT 7")).int64(0, 0), 7);

    sender.exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
    bool lost = false;
    try {
      for (int i = 0; i < 10 && !lost; ++i)
        co_await listener->wait_for_notification(milliseconds(500));
    } catch (const db::DbUnavailable&) {
      lost = true;
    }
    EXPECT_TRUE(lost);
  }());
}

class OutboxStoreTest : public it::DbTest {
 protected:
  void SetUp() override {
    it::DbTest::SetUp();
    if (HasFatalFailure()) return;
    pool = std::make_unique<db::Pool>(ioc.get_executor(), it::pool_options(2));
    // Rows of this test only: a type of its own, and due long ago so that claims (which
    // take the most overdue rows first) take them before anything else in the database.
    for (int i = 0; i < 3; ++i) {
      ids.push_back(
          sync.scalar_int("INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload, "
                          "next_attempt_at) VALUES (gen_random_uuid(), '" +
                          type + "', " + std::to_string(i) + ", jsonb_build_object('n', " +
                          std::to_string(i) + "), '2000-01-01') RETURNING id"));
    }
  }
  void TearDown() override {
    pool.reset();
    sync.exec("DELETE FROM outbox_events WHERE event_type = '" + type + "'");
  }
  std::string column(std::int64_t id, const std::string& expression) {
    return sync.scalar("SELECT " + expression +
                       " FROM outbox_events WHERE id = " + std::to_string(id));
  }

  asio::io_context ioc;
  std::unique_ptr<db::Pool> pool;
  it::SyncConnection sync;
  const std::string type = it::unique_name("it_outbox");
  std::vector<std::int64_t> ids;
};

TEST_F(OutboxStoreTest, ClaimLeasesRescheduleMarkAndPrune) {
  auto claimed = it::run(ioc, events::claim_due_events(*pool, 3, milliseconds(30'000)));
  ASSERT_EQ(claimed.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(claimed[i].id, ids[i]);  // oldest first
    EXPECT_EQ(claimed[i].attempts, 1);
    EXPECT_EQ(claimed[i].payload, "{\"n\": " + std::to_string(i) + "}");
    EXPECT_EQ(claimed[i].event_id, column(ids[i], "event_id"));
    // Leased: not due again for the lease.
    EXPECT_EQ(column(ids[i], "next_attempt_at > now() + interval '29 seconds'"), "t");
  }

  // A failure is rescheduled with its reason; one whose row was claimed again since (the
  // attempts differ) is left to the relay that holds it now.
  const std::string reason = R"(HTTP 503 "quoted" back\slash, comma {brace})";
  it::run(ioc, events::reschedule_failed(*pool, {{ids[0], 1, milliseconds(2000), reason},
                                                 {ids[1], 5, milliseconds(2000), "stale"}}));
  EXPECT_EQ(column(ids[0], "last_error"), reason);
  EXPECT_EQ(column(ids[0],
                   "next_attempt_at BETWEEN now() + interval '1 second' AND "
                   "now() + interval '3 seconds'"),
            "t");
  EXPECT_EQ(column(ids[1], "last_error IS NULL"), "t");

  auto lags = it::run(ioc, events::mark_delivered(*pool, {ids[1], ids[2]}));
  EXPECT_EQ(lags.size(), 2u);
  for (double lag : lags) EXPECT_GE(lag, 0.0);
  // Marking again changes nothing (an acknowledgement that raced a redelivery).
  EXPECT_TRUE(it::run(ioc, events::mark_delivered(*pool, {ids[1]})).empty());
  EXPECT_EQ(column(ids[1], "delivered_at IS NOT NULL"), "t");

  // The oldest undelivered event sets the backlog's age.
  sync.exec("UPDATE outbox_events SET created_at = now() - interval '2 hours' WHERE id = " +
            std::to_string(ids[0]));
  auto backlog = it::run(ioc, events::backlog(*pool));
  EXPECT_GE(backlog.undelivered, 1);
  EXPECT_GE(backlog.oldest_age_seconds, 7199.0);

  // Pruning takes delivered rows past the retention only.
  sync.exec("UPDATE outbox_events SET delivered_at = now() - interval '25 hours' WHERE id = " +
            std::to_string(ids[1]));
  auto pruned = it::run(ioc, events::prune_delivered(*pool, std::chrono::hours(24), 1000));
  EXPECT_GE(pruned, 1);
  EXPECT_EQ(column(ids[1], "count(*)"), "0");
  EXPECT_EQ(sync.scalar_int("SELECT count(*) FROM outbox_events WHERE id IN (" +
                            std::to_string(ids[0]) + "," + std::to_string(ids[2]) + ")"),
            2);
}

}  // namespace
