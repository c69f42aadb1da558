#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace operations {

// GET /metrics: Prometheus text format.
void add_metrics_route(http::Router& router, const app::Services& services);

}  // namespace operations
