#pragma once

#include <atomic>
#include <chrono>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace orders {

// Expires unpaid orders past their window, giving back stock and coupons, every `period`
// with no request needed. Runs in every instance; SKIP LOCKED and the NOT_PAID condition
// make concurrent sweeps take disjoint orders and never restore one twice.
boost::asio::awaitable<void> run_expiry_sweeper(db::Pool& pool, const std::atomic<bool>& stopping,
                                                std::chrono::milliseconds period);

}  // namespace orders
