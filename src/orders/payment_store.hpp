#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/batch_statements.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/result.hpp"
#include "platform/db/write_batch_metrics.hpp"

namespace orders {

struct PayOutcome {
  enum class Kind { paid, user_not_found, order_not_found, not_payable, insufficient_balance } kind;
  std::int64_t paid_amount = 0;
  std::int64_t balance = 0;
  std::string paid_at{};
  std::int64_t shortfall_balance = 0;  // the balance that was too small
};

// Pays an order from the user's points, inside the caller's open transaction (which it
// leaves open): debit (never below zero), USE history row, PAID, the day's sales
// statistics, the ORDER_PAID event. When the balance is short, or the order is past its
// payment window, the order is EXPIRED in that same transaction instead and its stock and
// coupon are given back; the balance is untouched.
//
// The ways in: `pay_order` (a keyed request's transaction), `pay_order_alone` (its own
// transaction), `pay_orders_at_once` (one batch, for PaymentBatcher, which settles what
// the batch could not pay with `pay_order_alone`).
boost::asio::awaitable<PayOutcome> pay_order(db::Connection& tx, std::int64_t user_id,
                                             std::int64_t order_id);

struct PayRequest {
  std::int64_t user_id;
  std::int64_t order_id;
};

// The one-statement payment for many orders in one call and one commit (the function
// pay_orders_batch, settled by db::BatchedWrite), applied in the order given: one answer
// per request, the payment where it went through, nullopt where it wrote nothing (then
// finish it with `pay_order_alone`).
struct PaymentBatch {
  using Request = PayRequest;
  using Outcome = std::optional<PayOutcome>;
  static constexpr db::WriteKind kind = db::WriteKind::payment;
  static const db::BatchStatements& statements();
  db::Params params(const std::vector<PayRequest>& requests) const;
  std::optional<PayOutcome> outcome(const db::Result& rows, int row, const PayRequest&) const;
};

// One batch of payments (db::write_batch says what a failure of the whole batch means).
boost::asio::awaitable<std::vector<std::optional<PayOutcome>>> pay_orders_at_once(
    db::Pool& pool, const std::vector<PayRequest>& requests);
// `pay_order` in its own transaction (with its outcome token).
boost::asio::awaitable<PayOutcome> pay_order_alone(db::Pool& pool, std::int64_t user_id,
                                                   std::int64_t order_id);

}  // namespace orders
