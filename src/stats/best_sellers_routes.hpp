#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "platform/db/read_replica.hpp"
#include "platform/http/router.hpp"
#include "stats/best_sellers_counts.hpp"

namespace stats {

// What these routes use, built by app/.
struct BestSellersDeps {
  db::StaleReads stale_reads;
  BestSellersCounts& counts;
};

void add_routes(http::Router& router, const BestSellersDeps& deps);

// The best-seller queries of `counts` (one per process, owned by main) as /metrics lines.
boost::asio::awaitable<void> write_metrics(const BestSellersCounts& counts, db::Pool& pool,
                                           std::string& out);

}  // namespace stats
