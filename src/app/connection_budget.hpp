#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "platform/config/config.hpp"

namespace app {

// How many PostgreSQL connections one instance may open, and how they are split: a pool
// per event loop, the write lane's pool (one connection per write batch that may be in
// flight) and the connections of background work (the outbox relay's pool and LISTEN
// connection, the periodic tasks' pool, the migrator's connection at start).
struct ConnectionBudget {
  std::size_t per_loop = 0;
  std::size_t writes = 0;
  std::size_t background = 0;
  std::size_t total = 0;  // loops x per_loop + writes + background: the most this opens
};

// Kinds of batched writes (app::WriteBatchers): charges, orders, payments, coupon issues.
inline constexpr std::size_t kWriteBatchKinds = 4;

// Connections that do not belong to any loop's pool.
// The periodic background tasks' own pool (expiry sweeper, sales folder, key pruner).
inline constexpr std::size_t kBackgroundTaskConnections = 2;

std::size_t background_connections();

// DB_MAX_CONNECTIONS (the instance's total) split across `loops` once the write lane's and
// the background ones are set aside, or, without it, DB_POOL_SIZE per loop plus those. Throws
// config::ConfigError when the total leaves less than one connection per loop.
ConnectionBudget plan_connections(const config::Config& config, unsigned loops);

// What the server at `database_url` can still give: max_connections, minus the slots
// reserved for superusers, minus the client connections open now (but the asking one).
struct ConnectionRoom {
  long long max_connections = 0;
  long long superuser_reserved = 0;
  long long in_use = 0;
  long long available() const { return max_connections - superuser_reserved - in_use; }
};

class ConnectionBudgetExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Blocking (libpq's synchronous API): call it off the I/O loops. Throws db::DbUnavailable
// when the server cannot be reached, ConnectionBudgetExceeded when `budget` does not fit.
ConnectionRoom check_connection_budget(const std::string& database_url,
                                       const ConnectionBudget& budget);

}  // namespace app
