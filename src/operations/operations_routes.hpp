#pragma once

#include <atomic>
#include "operations/observability.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace operations {

// What these routes use, built by app/.
struct OperationsDeps {
  db::Pool& db;
  // Set on SIGTERM: the instance is going away, so /ready says 503 while requests go on.
  const std::atomic<bool>& draining;
  const Observability& observability;
};

// /health (the process serves) and /ready (the database answers and the schema is applied).
void add_routes(http::Router& router, const OperationsDeps& deps);

}  // namespace operations
