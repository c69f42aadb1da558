#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/connection_budget.hpp"
#include "platform/db/errors.hpp"
#include "test_support.hpp"

namespace {

app::ConnectionBudget budget_of(long long total) {
  app::ConnectionBudget budget;
  budget.per_loop = 1;
  budget.background = static_cast<std::size_t>(total) - 1;
  budget.total = static_cast<std::size_t>(total);
  return budget;
}

TEST(ConnectionBudgetCheck, ReadsTheServersLimits) {
  auto room = app::check_connection_budget(it::database_url(), budget_of(1));
  it::SyncConnection probe;
  EXPECT_EQ(room.max_connections, probe.scalar_int("SHOW max_connections"));
  EXPECT_EQ(room.superuser_reserved, probe.scalar_int("SHOW superuser_reserved_connections"));
  EXPECT_GE(room.in_use, 0);
  EXPECT_GT(room.available(), 0);
}

TEST(ConnectionBudgetCheck, ABudgetOneLargerThanTheRoomIsRefusedWithTheFigures) {
  auto room = app::check_connection_budget(it::database_url(), budget_of(1));
  // Other tests' connections come and go; a budget far past the room fails whatever they do.
  const long long total = room.max_connections + 1;
  try {
    app::check_connection_budget(it::database_url(), budget_of(total));
    ADD_FAILURE() << "a budget of " << total << " connections was accepted";
  } catch (const app::ConnectionBudgetExceeded& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(std::to_string(total)), std::string::npos) << message;
    EXPECT_NE(message.find("max_connections " + std::to_string(room.max_connections)),
              std::string::npos)
        << message;
  }
}

TEST(ConnectionBudgetCheck, ConnectionsOthersHoldAreCounted) {
  auto before = app::check_connection_budget(it::database_url(), budget_of(1));
  {
    std::vector<it::SyncConnection> held(5);
    auto during = app::check_connection_budget(it::database_url(), budget_of(1));
    EXPECT_GE(during.in_use, before.in_use + 5);
    EXPECT_THROW(app::check_connection_budget(it::database_url(), budget_of(before.available())),
                 app::ConnectionBudgetExceeded);
  }
}

TEST(ConnectionBudgetCheck, AnUnreachableServerIsUnavailableNotExceeded) {
  EXPECT_THROW(
      app::check_connection_budget(
          "postgresql://postgres@/x?host=/nonexistent-dir&connect_timeout=2", budget_of(1)),
      db::DbUnavailable);
}

}  // namespace
