#include "app/connection_budget.hpp"

#include <memory>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "events/outbox_relay.hpp"
#include "platform/db/errors.hpp"

namespace app {

namespace {

// The migrator's own connection, open while it applies the migrations at start.
constexpr std::size_t kMigratorConnections = 1;

long long number(PGresult* result, int column) {
  return std::stoll(PQgetvalue(result, 0, column));
}

}  // namespace

std::size_t background_connections() {
  return events::kRelayConnections + kMigratorConnections + kBackgroundTaskConnections;
}

ConnectionBudget plan_connections(const config::Config& config, unsigned loops) {
  ConnectionBudget budget;
  budget.background = background_connections();
  budget.writes = kWriteBatchKinds * config.write_batches_in_flight;
  const std::size_t set_aside = budget.writes + budget.background;
  if (config.db_max_connections == 0) {
    budget.per_loop = config.db_pool_size_per_thread;
  } else {
    const std::size_t minimum = set_aside + loops;
    if (config.db_max_connections < minimum) {
      throw config::ConfigError(fmt::format(
          "DB_MAX_CONNECTIONS={} is too small for {} event loops: it needs at least {} (one per "
          "loop, {} for write batches, {} for background work); raise it or lower HTTP_THREADS",
          config.db_max_connections, loops, minimum, budget.writes, budget.background));
    }
    budget.per_loop = (config.db_max_connections - set_aside) / loops;
  }
  budget.total = budget.per_loop * loops + set_aside;
  return budget;
}

ConnectionRoom check_connection_budget(const std::string& database_url,
                                       const ConnectionBudget& budget) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(database_url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw db::DbUnavailable(
        fmt::format("cannot connect to the database: {}", PQerrorMessage(conn.get())));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexec(conn.get(),
             "SELECT current_setting('max_connections')::bigint, "
             "current_setting('superuser_reserved_connections')::bigint, "
             "(SELECT count(*) FROM pg_stat_activity "
             " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())"),
      &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK || PQntuples(result.get()) != 1) {
    throw db::DbUnavailable(
        fmt::format("cannot read the server's connection limits: {}", PQerrorMessage(conn.get())));
  }
  ConnectionRoom room{number(result.get(), 0), number(result.get(), 1), number(result.get(), 2)};
  if (static_cast<long long>(budget.total) > room.available()) {
    throw ConnectionBudgetExceeded(fmt::format(
        "this instance may open {} database connections ({} per event loop, {} for write "
        "batches, {} background) but the server has room for {}: max_connections {} - "
        "superuser_reserved_connections "
        "{} - {} in use by others; lower DB_MAX_CONNECTIONS (or DB_POOL_SIZE / HTTP_THREADS), "
        "run fewer instances, raise max_connections, or put PgBouncer in front (README)",
        budget.total, budget.per_loop, budget.writes, budget.background, room.available(),
        room.max_connections, room.superuser_reserved, room.in_use));
  }
  return room;
}

}  // namespace app
