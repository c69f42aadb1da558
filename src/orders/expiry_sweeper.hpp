#pragma once

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace orders {

// One sweep: expires unpaid orders past their window, giving back stock and coupons, a
// batch at a time while batches come back full (up to a bound, so a stop is never held up
// for long). Run periodically by a tasks::PeriodicTask in every instance; SKIP LOCKED and
// the NOT_PAID condition make concurrent sweeps take disjoint orders and never restore one
// twice. DbUnavailable passes through (the task backs off).
boost::asio::awaitable<void> sweep_expired_orders(db::Pool& pool);

}  // namespace orders
