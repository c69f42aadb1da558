#pragma once

#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace stats {

// What these routes use, built by app/.
struct DailyStatsDeps {
  db::Pool& db;
};

// The operator's daily sales: GET /api/v1/admin/stats/daily?from=&to=.
void add_daily_routes(http::Router& router, const DailyStatsDeps& deps);

}  // namespace stats
