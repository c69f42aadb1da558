#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "app/connection_budget.hpp"
#include "platform/config/config.hpp"

namespace app {

// Applies the migrations on its own thread (libpq's blocking API stays off the I/O loops),
// retrying every second while the database is unreachable, so the service can start
// before its database, then checks that the instance's connection budget fits the server.
// Sets `schema_ready` once done; calls `on_fatal` when a migration itself fails or the
// budget does not fit, which no retry would fix.
class Migrator {
 public:
  Migrator(const config::Config& config, std::string migrations_dir, ConnectionBudget budget,
           std::atomic<bool>& schema_ready, std::function<void()> on_fatal);
  ~Migrator();

 private:
  std::jthread thread_;
};

// The migrations folder: MIGRATIONS_DIR, else the source tree's db/migrations.
std::string migrations_directory(const config::Config& config);

}  // namespace app
