#include "operations/metrics_route.hpp"

#include <fstream>
#include <string>

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/metrics/prometheus_text.hpp"

namespace operations {

namespace {

using boost::asio::awaitable;

// Resident set size from /proc (a memory read, not disk I/O); 0 where there is no /proc.
double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// A pool belongs to its loop's thread: read its figures there.
awaitable<db::PoolStats> stats_on_its_loop(db::Pool& pool) {
  auto read_stats = [&pool]() -> awaitable<db::PoolStats> { co_return pool.stats(); };
  co_return co_await boost::asio::co_spawn(pool.executor(), read_stats, boost::asio::use_awaitable);
}

awaitable<void> write_pool_metrics(const operations::Observability& observability,
                                   std::string& out) {
  std::vector<db::PoolStats> stats;
  for (db::Pool* pool : observability.pools) stats.push_back(co_await stats_on_its_loop(*pool));
  auto each_loop = [&](std::string_view name, std::string_view help, auto field) {
    metrics::write_help(out, name, "gauge", help);
    for (std::size_t loop = 0; loop < stats.size(); ++loop) {
      const std::string label = std::to_string(loop);
      metrics::write_sample(out, name, {{"loop", label}}, static_cast<double>(field(stats[loop])));
    }
  };
  each_loop("db_pool_connections_open", "Database connections open (or opening), per event loop.",
            [](const db::PoolStats& s) { return s.open; });
  each_loop("db_pool_connections_in_use", "Database connections leased to requests.",
            [](const db::PoolStats& s) { return s.in_use; });
  each_loop("db_pool_connections_idle", "Database connections open and free.",
            [](const db::PoolStats& s) { return s.idle; });
  each_loop("db_pool_waiting", "Requests waiting for a database connection.",
            [](const db::PoolStats& s) { return s.waiting; });
  if (observability.write_lane_pool == nullptr) co_return;
  const auto lane = co_await stats_on_its_loop(*observability.write_lane_pool);
  auto gauge = [&](std::string_view name, std::string_view help, std::size_t value) {
    metrics::write_help(out, name, "gauge", help);
    metrics::write_sample(out, name, {}, static_cast<double>(value));
  };
  gauge("db_write_lane_connections_open",
        "Database connections of the batched writes' own loop open (or opening).", lane.open);
  gauge("db_write_lane_connections_in_use", "Of those, sending a write batch.", lane.in_use);
  gauge("db_write_lane_waiting", "Write batches waiting for a connection.", lane.waiting);
}

}  // namespace

awaitable<void> refresh_metrics_snapshot(const operations::Observability& observability,
                                         db::Pool& pool) {
  std::string out;
  out.reserve(4 * 1024);
  co_await write_pool_metrics(observability, out);
  for (const auto& collect : observability.database_collectors) co_await collect(pool, out);
  if (observability.snapshot) observability.snapshot->publish(std::move(out));
}

void add_metrics_route(http::Router& router, db::Pool& db, const Observability& observability) {
  // Access::metrics: public, or METRICS_TOKEN's when it is set (the request policy checks).
  router.add(http::Method::get, "/metrics", http::Access::metrics,
             [&db, &observability](http::Request&) -> awaitable<http::Response> {
               std::string out;
               out.reserve(16 * 1024);
               if (observability.http) observability.http->render(out);
               // What costs a query or a hop to another loop was computed in the
               // background: a flood of scrapes costs the database nothing.
               if (observability.snapshot) out += *observability.snapshot->last();
               for (const auto& collect : observability.collectors) co_await collect(db, out);
               metrics::write_help(out, "process_resident_memory_bytes", "gauge",
                                   "Resident memory of this process.");
               metrics::write_sample(out, "process_resident_memory_bytes", {}, resident_bytes());
               http::Response response = http::Response::json(200, std::move(out));
               response.content_type = "text/plain; version=0.0.4; charset=utf-8";
               co_return response;
             });
}

}  // namespace operations
