// Wires the service together: configuration, logging, migrations, one event loop per
// core with its own database pool and routes, the HTTP server, and signal handling.
#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "app/connection_budget.hpp"
#include "app/migrator.hpp"
#include "app/request_policy_setup.hpp"
#include "app/routes.hpp"
#include "app/services.hpp"
#include "app/shutdown_signals.hpp"
#include "app/shutdown_watchdog.hpp"
#include "console/console_routes.hpp"
#include "docs/docs_routes.hpp"
#include "events/outbox_metrics.hpp"
#include "events/outbox_relay.hpp"
#include "idempotency/idempotent_request.hpp"
#include "operations/metrics_route.hpp"
#include "operations/observability.hpp"
#include "orders/expiry_sweeper.hpp"
#include "platform/config/config.hpp"
#include "platform/db/errors.hpp"
#include "platform/db/migrations.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/read_replica.hpp"
#include "platform/db/write_batch_metrics.hpp"
#include "platform/db/write_lane.hpp"
#include "platform/db/write_outcome.hpp"
#include "platform/http/server.hpp"
#include "platform/log/log.hpp"
#include "platform/metrics/http_metrics.hpp"
#include "platform/os/open_files.hpp"
#include "platform/tasks/periodic_task.hpp"
#include "stats/best_sellers_routes.hpp"
#include "stats/sales_folder.hpp"

namespace {

std::string random_token() {
  std::random_device entropy;
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", entropy());
  return token;
}

int migrate_only(const config::Config& config) {
  try {
    const auto directory = app::migrations_directory(config);
    auto report = db::apply_migrations(config.database_url, db::load_migrations(directory),
                                       config.service_time_zone, db::load_functions(directory));
    for (const auto& version : report.applied) fmt::print("applied {}\n", version);
    for (const auto& name : report.functions_replaced) fmt::print("replaced function {}\n", name);
    fmt::print("schema up to date ({} applied now, {} before)\n", report.applied.size(),
               report.already_applied);
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "migration failed: {}\n", error.what());
    return 1;
  }
}

struct EventLoop {
  boost::asio::io_context context{1};
  std::unique_ptr<db::Pool> pool;
  // DATABASE_READ_URL: the loop's connections to the replica, and the choice between it
  // and `pool` for reads that may be stale.
  std::unique_ptr<db::Pool> replica_pool;
  std::unique_ptr<db::StaleReads> stale_reads;
  std::unique_ptr<app::Services> services;
  http::Router router;
};

}  // namespace

int main(int argc, char** argv) {
  config::Config config;
  try {
    config = config::from_environment();
  } catch (const config::ConfigError& error) {
    fmt::print(stderr, "configuration error: {}\n", error.what());
    return 2;
  }
  const std::string_view command = argc > 1 ? argv[1] : "serve";
  if (command == "migrate") return migrate_only(config);
  if (command != "serve") {
    fmt::print(stderr, "usage: {} [serve|migrate]\n", argv[0]);
    return 2;
  }

  logging::init(config.log_level);
  // First, so that it is destroyed last: it bounds the whole stop, destructors included.
  app::ShutdownWatchdog watchdog;
  if (config.admin_token.empty()) {
    config.admin_token = random_token();
    spdlog::warn("msg=\"ADMIN_TOKEN not set; generated one for this run\" admin_token={}",
                 config.admin_token);
  }

  const std::uint64_t open_files = os::raise_open_files_limit();
  const unsigned threads =
      config.http_threads ? config.http_threads : std::max(1u, std::thread::hardware_concurrency());
  db::PoolOptions pool_options;
  pool_options.connect.url = config.database_url;
  pool_options.connect.session_options = "-c TimeZone=" + config.service_time_zone;
  app::ConnectionBudget connections;
  // The request deadline reaches PostgreSQL; the client-side network deadline stays longer,
  // so the server cancels first and the connection stays usable.
  pool_options.connect.statement_timeout = config.request_deadline;
  pool_options.connect.io_timeout =
      std::max(pool_options.connect.io_timeout, config.request_deadline + std::chrono::seconds(2));
  // Every pool of the instance (requests, write lane, background) shares one watch: after a
  // lost answer, writes are held until the database answers again (db::AnswerWatch).
  pool_options.answer_watch = std::make_shared<db::AnswerWatch>();
  pool_options.outcome_budget = config.request_deadline;
  events::RelayOptions relay_options;
  try {
    connections = app::plan_connections(config, threads);
    pool_options.max_connections = connections.per_loop;
    relay_options = events::relay_options(config, pool_options);
  } catch (const config::ConfigError& error) {
    fmt::print(stderr, "configuration error: {}\n", error.what());
    logging::shutdown();
    return 2;
  }

  std::unique_ptr<http::RequestPolicy> policy;
  try {
    policy = app::make_request_policy(config);
  } catch (const config::ConfigError& error) {
    fmt::print(stderr, "configuration error: {}\n", error.what());
    logging::shutdown();
    return 2;
  }

  std::atomic<bool> schema_ready{false};
  std::atomic<bool> draining{false};
  // Payments (every loop) wake the outbox relay (first loop) through it.
  events::OutboxWakeup outbox_wakeup;
  metrics::HttpMetrics http_metrics(threads);
  operations::Observability observability;
  observability.http = &http_metrics;
  stats::BestSellersCounts best_sellers_counts;  // the routes count, /metrics reports
  observability.collectors.push_back([&best_sellers_counts](db::Pool& pool, std::string& out) {
    return stats::write_metrics(best_sellers_counts, pool, out);
  });
  events::RelayStats relay_stats;  // the relay counts, /metrics reports
  observability.collectors.push_back([&relay_stats](db::Pool&, std::string& out) {
    return events::write_relay_metrics(relay_stats, out);
  });
  observability.database_collectors.push_back(events::write_backlog_metrics);
  metrics::TextSnapshot metrics_snapshot;  // the background task writes, /metrics reads
  observability.snapshot = &metrics_snapshot;
  observability.collectors.push_back(db::write_batch_metrics);
  // The read replica's lag (registered before it exists; it is made with the first loop).
  const db::ReadReplica* replica_for_metrics = nullptr;
  if (!config.database_read_url.empty()) {
    observability.collectors.push_back(
        [&replica_for_metrics](db::Pool&, std::string& out) -> boost::asio::awaitable<void> {
          if (replica_for_metrics != nullptr) replica_for_metrics->write_metrics(out);
          co_return;
        });
  }
  const auto docs_files = docs::load_files(config);
  const auto console_files = console::load_console(config);
  // Batched writes run on a loop and connections of their own (db::WriteLane); the lane and
  // the batchers outlive the loops whose requests they batch.
  db::PoolOptions write_pool_options = pool_options;
  write_pool_options.max_connections = connections.writes;
  db::WriteLane write_lane(write_pool_options, &schema_ready);
  app::WriteBatchers write_batchers(config, &write_lane);
  observability.write_lane_pool = &write_lane.pool();
  std::vector<std::unique_ptr<EventLoop>> loops;
  std::vector<http::LoopRoutes> routes;
  // The replica's pools are the primary's options on another URL, a quarter of the size
  // (they serve only best sellers and product listings), and go through ReadReplica's probe.
  db::PoolOptions replica_pool_options = pool_options;
  replica_pool_options.connect.url = config.database_read_url;
  replica_pool_options.max_connections = std::max<std::size_t>(1, pool_options.max_connections / 4);
  std::unique_ptr<db::ReadReplica> read_replica;
  for (unsigned i = 0; i < threads; ++i) {
    auto loop = std::make_unique<EventLoop>();
    loop->pool =
        std::make_unique<db::Pool>(loop->context.get_executor(), pool_options, &schema_ready);
    if (!config.database_read_url.empty()) {
      if (!read_replica) {
        read_replica =
            std::make_unique<db::ReadReplica>(loop->context.get_executor(), replica_pool_options);
      }
      loop->replica_pool = std::make_unique<db::Pool>(loop->context.get_executor(),
                                                      replica_pool_options, &schema_ready);
      loop->stale_reads = std::make_unique<db::StaleReads>(*loop->pool, loop->replica_pool.get(),
                                                           read_replica.get());
    }
    loop->services = std::make_unique<app::Services>(app::Services{
        *loop->pool, config, schema_ready, draining, observability, outbox_wakeup,
        best_sellers_counts, docs_files, write_batchers, loop->stale_reads.get(), console_files});
    observability.pools.push_back(loop->pool.get());
    app::add_all_routes(loop->router, *loop->services);
    routes.push_back({&loop->context, &loop->router});
    loops.push_back(std::move(loop));
  }

  http::ServerOptions server_options;
  server_options.port = config.port;
  server_options.max_body_bytes = config.max_body_bytes;
  server_options.idle_timeout = config.http_idle_timeout;
  server_options.header_timeout = config.http_header_timeout;
  // Connections must leave descriptors for the pools, the relay and files.
  const std::uint64_t reserved_files = 256 + std::uint64_t{connections.total};
  server_options.max_connections = static_cast<std::size_t>(std::min<std::uint64_t>(
      config.http_max_connections,
      open_files > 2 * reserved_files ? open_files - reserved_files : open_files / 2));
  server_options.max_connections_per_client = config.http_max_connections_per_client;
  server_options.access_log = config.access_log;
  server_options.observe = [&http_metrics](std::size_t loop, std::string_view method,
                                           std::string_view route, int status,
                                           std::chrono::steady_clock::duration elapsed) {
    http_metrics.observe(loop, method, route, status, elapsed);
  };
  server_options.policy = policy.get();
  http::Server server(server_options, routes);

  // Before the migration thread starts: a failure here returns with nothing else running.
  std::uint16_t port = 0;
  try {
    port = server.listen();
  } catch (const std::exception& error) {
    spdlog::critical("msg=\"cannot listen\" port={} error=\"{}\"", config.port, error.what());
    logging::shutdown();
    return 1;
  }
  spdlog::info(
      "msg=\"listening\" url=http://localhost:{} threads={} pool_per_thread={} "
      "write_connections={} "
      "db_connections={}",
      port, threads, connections.per_loop, connections.writes, connections.total);

  std::atomic<int> exit_code{0};
  auto migrator = std::make_unique<app::Migrator>(config, app::migrations_directory(config),
                                                  connections, schema_ready, [&] {
                                                    exit_code = 1;
                                                    server.shutdown();
                                                  });

  // Background work runs on the first loop with connections of its own, so a saturated
  // request pool never holds it up (expired stock must come back within seconds).
  db::PoolOptions background_pool_options = pool_options;
  background_pool_options.max_connections = app::kBackgroundTaskConnections;
  auto& first_loop = loops.front()->context;
  auto background_pool =
      std::make_unique<db::Pool>(first_loop.get_executor(), background_pool_options, &schema_ready);
  auto periodic = [&](std::string name, std::chrono::milliseconds period, auto step) {
    tasks::PeriodicSettings settings;
    settings.period = period;
    return std::make_unique<tasks::PeriodicTask>(
        first_loop.get_executor(), std::move(name), settings,
        [&pool = *background_pool, step]() { return step(pool); });
  };
  std::vector<std::unique_ptr<tasks::PeriodicTask>> background;
  // Unpaid orders expire with no request needed; one sweeper per instance is plenty.
  background.push_back(
      periodic("expiry-sweeper", std::chrono::milliseconds(1000), orders::sweep_expired_orders));
  background.push_back(periodic("idempotency-key-pruner", std::chrono::minutes(1),
                                idempotency::prune_all_expired_keys));
  background.push_back(
      periodic("write-outcome-pruner", std::chrono::seconds(30), db::prune_write_outcomes));
  background.push_back(
      periodic("sales-folder", std::chrono::milliseconds(1000), stats::fold_all_pending_sales));
  background.push_back(periodic("metrics-snapshot", std::chrono::milliseconds(1000),
                                [&observability](db::Pool& pool) {
                                  return operations::refresh_metrics_snapshot(observability, pool);
                                }));
  for (auto& task : background) task->start();
  if (read_replica) {
    replica_for_metrics = read_replica.get();
    read_replica->start();
    spdlog::info(
        "msg=\"stale reads from DATABASE_READ_URL while its replica is at most 5 s behind\"");
  }
  // Paid-order events go to the data platform from every instance (they share the work).
  std::atomic<bool> stopping{false};
  boost::asio::co_spawn(first_loop,
                        events::run_outbox_relay(std::move(relay_options), &schema_ready, stopping,
                                                 outbox_wakeup, relay_stats),
                        boost::asio::detached);

  // SIGTERM: /ready says 503 at once, the server keeps serving for SHUTDOWN_DRAIN_MS, then
  // stops accepting and drains (a load balancer's checks take the instance out first).
  app::ShutdownSignals signals(first_loop, config.shutdown_drain, draining, watchdog,
                               [&server] { server.shutdown(); });
  // Once requests have drained: stop the background work and the relay, and let nothing
  // else keep the first loop running.
  server.set_before_loops_end([&]() -> boost::asio::awaitable<void> {
    stopping = true;
    signals.cancel();
    for (auto& task : background) co_await task->stop();
    if (read_replica) co_await read_replica->stop();
  });

  server.run();
  // Every loop has run out of work: no coroutine is left suspended, so what they used can
  // go, users before what they use.
  background.clear();
  background_pool.reset();
  replica_for_metrics = nullptr;
  write_lane.stop();  // no request is left to start a batch
  for (auto& loop : loops) {
    loop->services.reset();
    loop->stale_reads.reset();
    loop->replica_pool.reset();
    loop->pool.reset();
  }
  read_replica.reset();
  // Its thread may still be applying migrations (a SIGTERM during start) and would log:
  // joined before logging ends.
  migrator.reset();
  // The server (acceptor included) goes before the loops it runs on: locals end in reverse.
  spdlog::info("msg=\"stopped\"");
  logging::shutdown();
  return exit_code.load();
}
