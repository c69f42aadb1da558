#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "app/services.hpp"
#include "stats/best_sellers_counts.hpp"
#include "platform/http/router.hpp"

namespace stats {

void add_routes(http::Router& router, const app::Services& services);

// The best-seller queries of `counts` (one per process, owned by main) as /metrics lines.
boost::asio::awaitable<void> write_metrics(const BestSellersCounts& counts, db::Pool& pool,
                                           std::string& out);

}  // namespace stats
