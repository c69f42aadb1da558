#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"
#include "platform/metrics/http_metrics.hpp"
#include "platform/metrics/text_snapshot.hpp"

namespace operations {

// What /metrics reports, shared by every event loop.
struct Observability {
  metrics::HttpMetrics* http = nullptr;
  std::vector<db::Pool*> pools;         // one per event loop, in loop order
  db::Pool* write_lane_pool = nullptr;  // the batched writes' (db::WriteLane), on its loop
  // More metrics from capabilities (e.g. the outbox relay), appended in Prometheus text.
  // Called on the scraping request's loop with that loop's pool; they must not use it
  // (a scrape costs the database nothing): in-process counters only.
  using Collector = std::function<boost::asio::awaitable<void>(db::Pool&, std::string&)>;
  std::vector<Collector> collectors;
  // Metrics read from the database (e.g. the outbox backlog): run by a background task on
  // the first loop with its pool (operations::refresh_metrics_snapshot), with the pool
  // figures; a scrape serves the last text from `snapshot`.
  std::vector<Collector> database_collectors;
  metrics::TextSnapshot* snapshot = nullptr;
};

}  // namespace operations
