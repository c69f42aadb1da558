#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace events {

// The outbox's /metrics lines (an app::Observability collector): backlog and oldest
// undelivered age (from the database, so every instance reports the shared outbox), and
// this process's relay counters and delivery-lag histogram.
boost::asio::awaitable<void> write_metrics(db::Pool& pool, std::string& out);

}  // namespace events
