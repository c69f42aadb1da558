#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace stats {

void add_routes(http::Router& router, const app::Services& services);

// Best-seller queries sent to the database by this process (the rest were cache hits).
std::uint64_t best_sellers_queries();
// Its /metrics lines (an app::Observability collector).
boost::asio::awaitable<void> write_metrics(db::Pool& pool, std::string& out);

}  // namespace stats
