#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "platform/db/connection.hpp"
#include "platform/db/pool.hpp"

namespace orders {

struct PayOutcome {
  enum class Kind { paid, user_not_found, order_not_found, not_payable, insufficient_balance } kind;
  std::int64_t paid_amount = 0;
  std::int64_t balance = 0;
  std::string paid_at{};
  std::int64_t shortfall_balance = 0;  // the balance that was too small
};

// Pays an order from the user's points, in one transaction: debit (never below zero), USE
// history row, PAID, the day's sales statistics. When the balance is short, or the order
// is past its payment window, the order is EXPIRED in that same transaction instead and
// its stock and coupon are given back; the balance is untouched.
boost::asio::awaitable<PayOutcome> pay_order(db::Pool& pool, std::int64_t user_id,
                                             std::int64_t order_id);
// The same inside the caller's open transaction (which it leaves open).
boost::asio::awaitable<PayOutcome> pay_order(db::Connection& tx, std::int64_t user_id,
                                             std::int64_t order_id);

}  // namespace orders
