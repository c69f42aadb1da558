#include "app/instance.hpp"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "app/request_policy_setup.hpp"
#include "console/console_routes.hpp"
#include "docs/docs_routes.hpp"
#include "platform/db/write_outcome.hpp"
#include "platform/os/open_files.hpp"

namespace app {

namespace {

unsigned loop_count(const config::Config& config) {
  return config.http_threads ? config.http_threads
                             : std::max(1u, std::thread::hardware_concurrency());
}

db::PoolOptions request_pool_options(const config::Config& config,
                                     const ConnectionBudget& connections) {
  db::PoolOptions options;
  options.connect.url = config.database_url;
  options.connect.session_options = "-c TimeZone=" + config.service_time_zone;
  options.max_connections = connections.per_loop;
  // The request deadline reaches PostgreSQL; the client-side network deadline stays longer,
  // so the server cancels first and the connection stays usable.
  options.connect.statement_timeout = config.request_deadline;
  options.connect.io_timeout =
      std::max(options.connect.io_timeout, config.request_deadline + std::chrono::seconds(2));
  // Every pool of the instance (requests, write lane, background) shares one watch: after a
  // lost answer, writes are held until the database answers again (db::AnswerWatch).
  options.answer_watch = std::make_shared<db::AnswerWatch>();
  options.outcome_budget = config.request_deadline;
  return options;
}

db::PoolOptions write_lane_options(db::PoolOptions options, const ConnectionBudget& connections) {
  options.max_connections = connections.writes;
  return options;
}

http::ServerOptions server_options(const config::Config& config,
                                   const ConnectionBudget& connections, std::uint64_t open_files,
                                   metrics::HttpMetrics& http_metrics,
                                   const http::RequestPolicy* policy) {
  http::ServerOptions options;
  options.port = config.port;
  options.max_body_bytes = config.max_body_bytes;
  options.idle_timeout = config.http_idle_timeout;
  options.header_timeout = config.http_header_timeout;
  // Connections must leave descriptors for the pools, the relay and files.
  const std::uint64_t reserved_files = 256 + std::uint64_t{connections.total};
  options.max_connections = static_cast<std::size_t>(std::min<std::uint64_t>(
      config.http_max_connections,
      open_files > 2 * reserved_files ? open_files - reserved_files : open_files / 2));
  options.max_connections_per_client = config.http_max_connections_per_client;
  options.access_log = config.access_log;
  options.observe = [&http_metrics](std::size_t loop, std::string_view method,
                                    std::string_view route, int status,
                                    std::chrono::steady_clock::duration elapsed) {
    http_metrics.observe(loop, method, route, status, elapsed);
  };
  options.policy = policy;
  return options;
}

}  // namespace

Instance::Instance(const config::Config& config, ShutdownWatchdog& watchdog)
    : config_(config),
      watchdog_(watchdog),
      open_files_(os::raise_open_files_limit()),
      threads_(loop_count(config)),
      connections_(plan_connections(config, threads_)),
      pool_options_(request_pool_options(config, connections_)),
      relay_options_(events::relay_options(config, pool_options_)),
      policy_(make_request_policy(config)),
      instruments_(threads_, !config.database_read_url.empty(), pool_options_.answer_watch),
      write_lane_(write_lane_options(pool_options_, connections_), &schema_ready_),
      write_batchers_(config, &write_lane_, &instruments_.batch_sizes),
      loops_(threads_, pool_options_,
             LoopDependencies{config, schema_ready_, draining_, instruments_, outbox_wakeup_,
                              write_batchers_, docs::load_files(config),
                              console::load_console(config)}),
      server_(server_options(config, connections_, open_files_, instruments_.http, policy_.get()),
              loops_.routes()) {
  instruments_.observability.write_lane_pool = &write_lane_.pool();
}

Instance::~Instance() {
  release_after_loops();
}

int Instance::run() {
  // Before the migration thread starts: a failure here returns with nothing else running.
  std::uint16_t port = 0;
  try {
    port = server_.listen();
  } catch (const std::exception& error) {
    spdlog::critical("msg=\"cannot listen\" port={} error=\"{}\"", config_.port, error.what());
    return 1;
  }
  spdlog::info(
      "msg=\"listening\" url=http://localhost:{} threads={} pool_per_thread={} "
      "write_connections={} db_connections={}",
      port, threads_, connections_.per_loop, connections_.writes, connections_.total);

  // Before the migrator, whose failure calls shutdown() from its thread.
  server_.set_before_loops_end([this] { return stop(); });
  migrator_ = std::make_unique<Migrator>(config_, migrations_directory(config_), connections_,
                                         schema_ready_, [this] {
                                           exit_code_ = 1;
                                           server_.shutdown();
                                         });
  background_ = std::make_unique<BackgroundWork>(
      BackgroundWork::Dependencies{loops_.first(), pool_options_, schema_ready_, instruments_,
                                   outbox_wakeup_, loops_.replica(), relay_options_});
  background_->start();
  // SIGTERM: /ready says 503 at once, the server keeps serving for SHUTDOWN_DRAIN_MS, then
  // stops accepting and drains (a load balancer's checks take the instance out first).
  signals_ = std::make_unique<ShutdownSignals>(loops_.first(), config_.shutdown_drain, draining_,
                                               watchdog_, [this] { server_.shutdown(); });

  server_.run();
  release_after_loops();
  return exit_code_.load();
}

boost::asio::awaitable<void> Instance::stop() {
  if (signals_) signals_->cancel();
  if (background_) co_await background_->stop();
}

void Instance::release_after_loops() {
  signals_.reset();
  background_.reset();
  write_lane_.stop();  // no request is left to start a batch
  loops_.release();
  // Its thread may still be applying migrations (a SIGTERM during start) and would log:
  // joined before logging ends.
  migrator_.reset();
}

}  // namespace app
