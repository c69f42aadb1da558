#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace stats {

// The operator's daily sales: GET /api/v1/admin/stats/daily?from=&to=.
void add_daily_routes(http::Router& router, const app::Services& services);

}  // namespace stats
