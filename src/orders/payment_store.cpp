#include "orders/payment_store.hpp"

#include "platform/db/batched_write.hpp"

#include <optional>

#include "orders/orders_store.hpp"
#include "platform/db/transaction.hpp"
#include "users/users_store.hpp"

namespace orders {

namespace {

using boost::asio::awaitable;

const db::Statement kLockOrderForPayment{
    "payment.lock_order",
    "SELECT status, pay_amount, expires_at <= now() FROM orders "
    "WHERE id = $1::bigint AND user_id = $2::bigint FOR UPDATE"};

const db::Statement kBalance{"payment.balance",
                             "SELECT balance FROM point_wallets WHERE user_id = $1::bigint"};

const db::Statement kLockWallet{
    "payment.lock_wallet",
    "SELECT 1 FROM point_wallets WHERE user_id = $1::bigint FOR NO KEY UPDATE"};

// The whole payment in one statement: the batch function (db/functions/pay_orders_batch.sql)
// with one item, so the payment, its sales rows and its ORDER_PAID event are written by one
// definition whichever path pays. NULLs when it wrote nothing: not payable, short balance,
// or a row held by another transaction (the batch skips those; the full path below locks
// them first, in the lock order, and then the function sees its own locks).
const db::Statement kPayAtOnce{"payment.pay_at_once",
                               "SELECT item_paid_at, item_paid_amount, item_balance "
                               "FROM pay_orders_batch(ARRAY[$1::bigint], ARRAY[$2::bigint], NULL)"};

awaitable<std::optional<PayOutcome>> pay_at_once(db::Connection& connection, std::int64_t user_id,
                                                 std::int64_t order_id) {
  auto paid = co_await connection.execute(kPayAtOnce, db::Params(user_id, order_id));
  if (paid.empty() || paid.is_null(0, 0)) co_return std::nullopt;
  co_return PayOutcome{PayOutcome::Kind::paid, paid.int64(0, 1), paid.int64(0, 2),
                       paid.string(0, 0)};
}

awaitable<PayOutcome> pay_in_transaction(db::Connection& tx, std::int64_t user_id,
                                         std::int64_t order_id);

}  // namespace

const db::BatchStatements& PaymentBatch::statements() {
  static const db::BatchStatements statements{
      "payment.pay_batch",
      "pay_orders_batch($1::bigint[], $2::bigint[])",
      2,
      {{"item_paid_at", "text"}, {"item_paid_amount", "bigint"}, {"item_balance", "bigint"}}};
  return statements;
}

db::Params PaymentBatch::params(const std::vector<PayRequest>& requests) const {
  return db::Params(db::column_of(requests, &PayRequest::user_id),
                    db::column_of(requests, &PayRequest::order_id));
}

std::optional<PayOutcome> PaymentBatch::outcome(const db::Result& rows, int row,
                                                const PayRequest&) const {
  if (rows.is_null(row, 0)) return std::nullopt;
  return PayOutcome{PayOutcome::Kind::paid, rows.int64(row, 1), rows.int64(row, 2),
                    rows.string(row, 0)};
}

awaitable<std::vector<std::optional<PayOutcome>>> pay_orders_at_once(
    db::Pool& pool, const std::vector<PayRequest>& requests) {
  co_return co_await db::write_batch(PaymentBatch{}, pool, requests);
}

awaitable<PayOutcome> pay_order_alone(db::Pool& pool, std::int64_t user_id, std::int64_t order_id) {
  co_return co_await db::in_transaction(
      pool, [&](db::Connection& tx) { return pay_in_transaction(tx, user_id, order_id); });
}

awaitable<PayOutcome> pay_order(db::Connection& tx, std::int64_t user_id, std::int64_t order_id) {
  auto paid = co_await pay_at_once(tx, user_id, order_id);
  if (paid) co_return std::move(*paid);
  co_return co_await pay_in_transaction(tx, user_id, order_id);
}

namespace {

// The full payment, for every case: tells not found, not payable, overdue and short
// balance apart, and expires the order (giving back its stock and coupon) when it must.
awaitable<PayOutcome> pay_in_transaction(db::Connection& tx, std::int64_t user_id,
                                         std::int64_t order_id) {
  using Kind = PayOutcome::Kind;
  auto order = co_await tx.execute(kLockOrderForPayment, db::Params(order_id, user_id));
  if (order.empty()) {
    bool known_user = co_await users::user_exists(tx, user_id);
    co_return PayOutcome{known_user ? Kind::order_not_found : Kind::user_not_found};
  }
  if (order.text(0, 0) != "NOT_PAID") co_return PayOutcome{Kind::not_payable};
  if (order.boolean(0, 2)) {
    // Past its window but not swept yet: it is never payable, so expire it right here.
    co_await release_orders(tx, std::vector<std::int64_t>(1, order_id), OrderStatus::expired);
    co_return PayOutcome{Kind::not_payable};
  }
  // The order is payable now and locked by this transaction; with the wallet locked too
  // (the lock order: order, then wallet), the one-statement payment can only fail on the
  // balance.
  co_await tx.execute(kLockWallet, db::Params(user_id));
  auto paid = co_await pay_at_once(tx, user_id, order_id);
  if (paid) co_return std::move(*paid);
  auto current = co_await tx.execute(kBalance, db::Params(user_id));
  co_await release_orders(tx, std::vector<std::int64_t>(1, order_id), OrderStatus::expired);
  PayOutcome failed{Kind::insufficient_balance};
  failed.paid_amount = order.int64(0, 1);
  failed.shortfall_balance = current.empty() ? 0 : current.int64(0, 0);
  co_return failed;
}

}  // namespace

}  // namespace orders
