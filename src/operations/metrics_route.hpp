#pragma once

#include "operations/observability.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace operations {

// GET /metrics: Prometheus text format. The HTTP figures and in-process counters are read
// at each scrape; the rest is the last text refresh_metrics_snapshot published.
void add_metrics_route(http::Router& router, db::Pool& db, const Observability& observability);

// Renders the costly part of /metrics (every loop's pool figures, the database collectors,
// with `pool`) into observability.snapshot. A periodic task's step.
boost::asio::awaitable<void> refresh_metrics_snapshot(
    const operations::Observability& observability, db::Pool& pool);

}  // namespace operations
