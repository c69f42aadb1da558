#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace stats {

// Moves up to `batch` rows of sales_pending into daily_product_sales, summed per day and
// product, in one statement (so a sale is counted exactly once, whatever fails). Instances
// folding at once take disjoint rows (SKIP LOCKED). Returns how many rows were moved.
boost::asio::awaitable<std::size_t> fold_pending_sales(db::Pool& pool, std::int64_t batch);

// Folds every `period` until `stopping`; at once again while batches come back full.
boost::asio::awaitable<void> run_sales_folder(db::Pool& pool, const std::atomic<bool>& stopping,
                                              std::chrono::milliseconds period);

}  // namespace stats
