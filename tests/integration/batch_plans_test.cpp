// The batch functions find their rows by key whatever the planner would rather do
// (migration 0015). Each keeps the generic plan of its session's first call (0010); made
// while a table is still a page or two, that plan was a sequential scan, kept until the next
// ANALYZE. Here the planner is made to prefer sequential scans everywhere (random_page_cost
// far above seq_page_cost), as it does on a new database's small tables, and a call of each
// function must still read no table sequentially.

#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {

class BatchPlansTest : public it::DbTest {
 protected:
  // Sequential scans of the session's current transaction, over every table.
  long long sequential_scans_of(const std::string& call) {
    it::SyncConnection sql;
    sql.exec("SET random_page_cost = 1000000");
    sql.exec("BEGIN");
    sql.exec(call);
    const auto scans =
        sql.scalar_int("SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables");
    sql.exec("ROLLBACK");
    return scans;
  }
};

TEST_F(BatchPlansTest, ChargesFindWalletsByKey) {
  EXPECT_EQ(sequential_scans_of("SELECT * FROM charge_points_batch(ARRAY[1, 2]::bigint[], "
                                "ARRAY[10, 20]::bigint[], 1000000000, (random() * 9e18)::bigint)"),
            0);
}

TEST_F(BatchPlansTest, OrdersFindUsersAndProductsByKey) {
  EXPECT_EQ(sequential_scans_of(
                "SELECT * FROM place_orders_batch(ARRAY[1, 2]::bigint[], "
                "ARRAY[1, 2]::bigint[], ARRAY[1, 1]::bigint[], 600, (random() * 9e18)::bigint)"),
            0);
}

TEST_F(BatchPlansTest, PaymentsFindOrdersAndWalletsByKey) {
  EXPECT_EQ(sequential_scans_of("SELECT * FROM pay_orders_batch(ARRAY[1, 2]::bigint[], "
                                "ARRAY[1, 2]::bigint[], (random() * 9e18)::bigint)"),
            0);
}

}  // namespace
