#pragma once

#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace db {

// The kinds of batched writes: the closed set of `kind` label values.
enum class WriteKind { charge, order, payment, coupon_issue };

// Records one batch's size (process-wide, lock-free: every event loop records here).
void observe_write_batch(WriteKind kind, std::size_t size);

// Appends the histogram db_write_batch_size{kind=...} in Prometheus text. A metrics
// collector (operations::Observability::Collector); the pool is not used.
boost::asio::awaitable<void> write_batch_metrics(Pool& pool, std::string& out);

}  // namespace db
