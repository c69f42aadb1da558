#include <gtest/gtest.h>

#include "app/connection_budget.hpp"
#include "platform/config/config.hpp"

namespace {

config::Config with_total(std::size_t total) {
  config::Config config;
  config.db_max_connections = total;
  return config;
}

TEST(ConnectionBudget, WithoutATotalEveryLoopGetsThePoolSizePlusBackground) {
  config::Config config;
  config.db_pool_size_per_thread = 8;
  auto budget = app::plan_connections(config, 2);
  EXPECT_EQ(budget.per_loop, 8u);
  EXPECT_EQ(budget.background, app::background_connections());
  EXPECT_EQ(budget.total, 16u + app::background_connections());
}

TEST(ConnectionBudget, TheTotalIsSplitAcrossLoopsAfterTheBackgroundConnections) {
  const std::size_t background = app::background_connections();
  auto budget = app::plan_connections(with_total(background + 20), 3);
  EXPECT_EQ(budget.per_loop, 6u);  // 20 / 3, rounded down: never more than the total
  EXPECT_EQ(budget.total, background + 18);
  EXPECT_LE(budget.total, background + 20);
}

TEST(ConnectionBudget, OneConnectionPerLoopIsTheSmallestTotal) {
  const std::size_t background = app::background_connections();
  EXPECT_EQ(app::plan_connections(with_total(background + 4), 4).per_loop, 1u);
  EXPECT_THROW(app::plan_connections(with_total(background + 3), 4), config::ConfigError);
  EXPECT_THROW(app::plan_connections(with_total(1), 1), config::ConfigError);
}

TEST(ConnectionBudget, RoomIsMaxConnectionsLessReservedLessInUse) {
  app::ConnectionRoom room{100, 3, 40};
  EXPECT_EQ(room.available(), 57);
}

}  // namespace
