#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace operations {

// GET /metrics: Prometheus text format. The HTTP figures and in-process counters are read
// at each scrape; the rest is the last text refresh_metrics_snapshot published.
void add_metrics_route(http::Router& router, const app::Services& services);

// Renders the costly part of /metrics (every loop's pool figures, the database collectors,
// with `pool`) into observability.snapshot. A periodic task's step.
boost::asio::awaitable<void> refresh_metrics_snapshot(const app::Observability& observability,
                                                      db::Pool& pool);

}  // namespace operations
