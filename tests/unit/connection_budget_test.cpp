#include <gtest/gtest.h>

#include "app/connection_budget.hpp"
#include "platform/config/config.hpp"

namespace {

config::Config with_total(std::size_t total) {
  config::Config config;
  config.db_max_connections = total;
  return config;
}

// The connections set aside before the loops' pools: the write lane's and the background's.
std::size_t set_aside(const config::Config& config) {
  return app::kWriteBatchKinds * config.write_batches_in_flight + app::background_connections();
}

TEST(ConnectionBudget, WithoutATotalEveryLoopGetsThePoolSizePlusWritesAndBackground) {
  config::Config config;
  config.db_pool_size_per_thread = 8;
  auto budget = app::plan_connections(config, 2);
  EXPECT_EQ(budget.per_loop, 8u);
  EXPECT_EQ(budget.background, app::background_connections());
  EXPECT_EQ(budget.writes, app::kWriteBatchKinds);  // one batch in flight per kind
  EXPECT_EQ(budget.total, 16u + set_aside(config));
}

TEST(ConnectionBudget, TheWriteLaneHasAConnectionPerBatchInFlight) {
  config::Config config;
  config.write_batches_in_flight = 3;
  EXPECT_EQ(app::plan_connections(config, 2).writes, 3 * app::kWriteBatchKinds);
}

TEST(ConnectionBudget, TheTotalIsSplitAcrossLoopsAfterTheSetAsideConnections) {
  const std::size_t aside = set_aside(config::Config{});
  auto budget = app::plan_connections(with_total(aside + 20), 3);
  EXPECT_EQ(budget.per_loop, 6u);  // 20 / 3, rounded down: never more than the total
  EXPECT_EQ(budget.total, aside + 18);
  EXPECT_LE(budget.total, aside + 20);
}

TEST(ConnectionBudget, OneConnectionPerLoopIsTheSmallestTotal) {
  const std::size_t aside = set_aside(config::Config{});
  EXPECT_EQ(app::plan_connections(with_total(aside + 4), 4).per_loop, 1u);
  EXPECT_THROW(app::plan_connections(with_total(aside + 3), 4), config::ConfigError);
  EXPECT_THROW(app::plan_connections(with_total(1), 1), config::ConfigError);
}

TEST(ConnectionBudget, RoomIsMaxConnectionsLessReservedLessInUse) {
  app::ConnectionRoom room{100, 3, 40};
  EXPECT_EQ(room.available(), 57);
}

}  // namespace
