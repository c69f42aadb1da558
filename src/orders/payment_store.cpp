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

// The whole payment as one statement: lock the order (NOT_PAID, inside its window), debit
// the wallet if it covers the amount (its version numbers the change, as for charges; a
// payment of 0 changes nothing and writes no history), the USE history row, PAID, the
// order's sales of the day in the service time zone (the session's TimeZone, so
// current_date is that zone's date) appended to sales_pending (folded into
// daily_product_sales in the background: no shared row to wait on), and the ORDER_PAID
// event in the outbox, which so exists exactly when the payment commits. Every part
// depends on the order row and the debit: when a condition fails nothing is written and
// no row comes back. No pg_notify here: a notifying transaction holds PostgreSQL's
// notify-queue lock through its commit flush, which serialised every payment's COMMIT
// (pgbench, 32 clients: COMMIT 52 ms with it, 8 ms without); the caller wakes its relay
// in-process after the commit instead.
const db::Statement kPayAtOnce{
    "payment.pay_at_once",
    "WITH target AS ("
    "  SELECT id, pay_amount FROM orders"
    "  WHERE id = $2::bigint AND user_id = $1::bigint AND status = 'NOT_PAID'"
    "    AND expires_at > now() FOR UPDATE), "
    "d AS ("
    "  UPDATE point_wallets w SET balance = w.balance - t.pay_amount,"
    "         version = w.version + (t.pay_amount > 0)::integer, updated_at = now()"
    "  FROM target t WHERE w.user_id = $1::bigint AND w.balance >= t.pay_amount"
    "  RETURNING w.balance, w.version, t.pay_amount), "
    "h AS ("
    "  INSERT INTO point_history (user_id, seq, type, amount, balance_after, order_id)"
    "  SELECT $1::bigint, d.version, 'USE', d.pay_amount, d.balance, $2::bigint FROM d"
    "  WHERE d.pay_amount > 0), "
    "o AS (UPDATE orders SET status = 'PAID', paid_at = now(), updated_at = now()"
    "      WHERE id = (SELECT id FROM target) AND EXISTS (SELECT 1 FROM d)"
    "      RETURNING id, user_id, total_amount, discount_amount, pay_amount, paid_at), "
    "st AS ("
    "  INSERT INTO sales_pending (sales_date, product_id, quantity)"
    "  SELECT current_date, i.product_id, i.quantity FROM order_items i, o"
    "  WHERE i.order_id = o.id), "
    "ev AS ("
    "  INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload)"
    "  SELECT e.id, 'ORDER_PAID', o.id, jsonb_build_object("
    "    'eventId', e.id::text, 'type', 'ORDER_PAID', 'orderId', o.id, 'userId', o.user_id,"
    "    'items', (SELECT jsonb_agg(jsonb_build_object('productId', i.product_id,"
    "                'quantity', i.quantity, 'unitPrice', i.unit_price, 'amount', i.amount)"
    "              ORDER BY i.product_id) FROM order_items i WHERE i.order_id = o.id),"
    "    'totalAmount', o.total_amount, 'discountAmount', o.discount_amount,"
    "    'paidAmount', o.pay_amount, 'paidAt', api_timestamp(o.paid_at))"
    "  FROM o, (SELECT gen_random_uuid() AS id) e) "
    "SELECT api_timestamp(o.paid_at), d.pay_amount, d.balance FROM o, d"};

awaitable<std::optional<PayOutcome>> pay_at_once(db::Connection& connection, std::int64_t user_id,
                                                 std::int64_t order_id) {
  auto paid = co_await connection.execute(kPayAtOnce, db::Params(user_id, order_id));
  if (paid.empty()) co_return std::nullopt;
  co_return PayOutcome{PayOutcome::Kind::paid, paid.int64(0, 1), paid.int64(0, 2),
                       paid.string(0, 0)};
}

awaitable<PayOutcome> pay_in_transaction(db::Connection& tx, std::int64_t user_id,
                                         std::int64_t order_id);

}  // namespace

awaitable<PayOutcome> pay_order(db::Pool& pool, std::int64_t user_id, std::int64_t order_id) {
  // One transaction (with its outcome token), not the one-statement attempt first: an
  // answer lost outside a transaction could not be told apart from a payment not made.
  co_return co_await pay_order_alone(pool, user_id, order_id);
}

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
  // The order is payable now and locked by this transaction: the one-statement payment
  // can only fail on the balance.
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
