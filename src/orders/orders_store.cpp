#include "orders/orders_store.hpp"

#include "platform/db/batched_write.hpp"

#include <stdexcept>

#include "coupons/discount.hpp"
#include "platform/db/transaction.hpp"
#include "users/users_store.hpp"

namespace orders {

namespace {

using boost::asio::awaitable;

// One lock order on every write path: product rows (in id order), then the user's coupon,
// then the order. An order with a coupon therefore locks its products first, even when it
// has one line; taking the coupon first would deadlock with a multi-line order.
const db::Statement kLockProducts{
    "orders.lock_products",
    "SELECT id, price, stock, EXISTS (SELECT 1 FROM users WHERE id = $2::bigint) "
    "FROM products WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE"};

// The same without locks, for one-product orders without a coupon (they lock nothing else
// before it): their stock row is locked only by the
// conditional UPDATE of the write, just before COMMIT, so a hot product's row lock is held
// for one statement and the commit instead of the whole transaction.
const db::Statement kReadProducts{
    "orders.read_products",
    "SELECT id, price, stock, EXISTS (SELECT 1 FROM users WHERE id = $2::bigint) "
    "FROM products WHERE id = ANY($1::bigint[]) ORDER BY id"};

const db::Statement kLockUserCoupon{
    "orders.lock_user_coupon",
    "SELECT uc.user_id, uc.status, uc.expires_at <= now(), c.discount_type, c.discount_value "
    "FROM user_coupons uc JOIN coupons c ON c.id = uc.coupon_id "
    "WHERE uc.id = $1::bigint FOR UPDATE OF uc"};

// Takes the stock only where enough is left, and writes the order only if every line got
// its stock. Multi-line orders come here with their rows locked and checked, so all lines
// pass; a one-product order comes unlocked, and its single conditional UPDATE decides: it
// either takes the stock and writes the order, or writes nothing (no rows returned).
const db::Statement kInsertOrder{
    "orders.insert",
    "WITH s AS ("
    "  UPDATE products p SET stock = p.stock - l.quantity, updated_at = now()"
    "  FROM unnest($3::bigint[], $4::bigint[]) AS l(product_id, quantity)"
    "  WHERE p.id = l.product_id AND p.stock >= l.quantity RETURNING p.id), "
    "ok AS (SELECT count(*) = cardinality($3::bigint[]) AS all_taken FROM s), "
    "c AS (UPDATE user_coupons SET status = 'USED', used_at = now()"
    "      WHERE id = $5::bigint AND (SELECT all_taken FROM ok)), "
    "o AS ("
    "  INSERT INTO orders (user_id, user_coupon_id, total_amount, discount_amount, pay_amount,"
    "                      expires_at)"
    "  SELECT $1::bigint, $5::bigint, $6::bigint, $7::bigint, $6::bigint - $7::bigint,"
    "         now() + $2::bigint * interval '1 second'"
    "  FROM ok WHERE ok.all_taken"
    "  RETURNING id, created_at, expires_at), "
    "i AS ("
    "  INSERT INTO order_items (order_id, product_id, quantity, unit_price, amount)"
    "  SELECT o.id, l.product_id, l.quantity, l.unit_price, l.quantity * l.unit_price"
    "  FROM o, unnest($3::bigint[], $4::bigint[], $8::bigint[]) AS l(product_id, quantity,"
    "                                                                unit_price)) "
    "SELECT id, api_timestamp(created_at), api_timestamp(expires_at) FROM o"};

const db::Statement kReadOrder{
    "orders.read",
    "SELECT o.id, o.user_id, o.status, o.user_coupon_id, o.total_amount, o.discount_amount,"
    "       o.pay_amount, api_timestamp(o.created_at), api_timestamp(o.expires_at),"
    "       api_timestamp(o.paid_at), i.product_id, i.quantity, i.unit_price, i.amount "
    "FROM orders o JOIN order_items i ON i.order_id = o.id "
    "WHERE o.id = $1::bigint AND o.user_id = $2::bigint ORDER BY i.product_id"};

const db::Statement kLockOrder{
    "orders.lock",
    "SELECT status FROM orders WHERE id = $1::bigint AND user_id = $2::bigint FOR UPDATE"};

const db::Statement kLockProductsOfOrders{
    "orders.lock_products_of_orders",
    "SELECT id FROM products WHERE id IN ("
    "  SELECT product_id FROM order_items WHERE order_id = ANY($1::bigint[])) "
    "ORDER BY id FOR NO KEY UPDATE"};

// Quantities are summed per product first: an UPDATE ... FROM applies only one joined row
// per target row, and several released orders may share a product.
const db::Statement kRelease{
    "orders.release",
    "WITH o AS ("
    "  UPDATE orders SET status = $2::text, closed_at = now(), updated_at = now()"
    "  WHERE id = ANY($1::bigint[]) AND status = 'NOT_PAID' RETURNING id, user_coupon_id), "
    "q AS (SELECT i.product_id, sum(i.quantity) AS quantity"
    "      FROM order_items i JOIN o ON o.id = i.order_id GROUP BY i.product_id), "
    "s AS (UPDATE products p SET stock = p.stock + q.quantity, updated_at = now()"
    "      FROM q WHERE p.id = q.product_id), "
    "c AS (UPDATE user_coupons uc SET status = 'AVAILABLE', used_at = NULL"
    "      FROM o WHERE uc.id = o.user_coupon_id) "
    "SELECT id FROM o"};

const db::Statement kOverdue{
    "orders.overdue",
    "SELECT id FROM orders WHERE status = 'NOT_PAID' AND expires_at <= now() "
    "ORDER BY expires_at LIMIT $1::bigint FOR UPDATE SKIP LOCKED"};

std::vector<std::int64_t> column_of(const db::Result& result) {
  std::vector<std::int64_t> values;
  values.reserve(static_cast<std::size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) values.push_back(result.int64(row, 0));
  return values;
}

}  // namespace

awaitable<PlaceOutcome> place_order(db::Pool& pool, std::int64_t user_id,
                                    const std::vector<OrderLine>& lines,
                                    std::optional<std::int64_t> user_coupon_id,
                                    std::int64_t payment_timeout_seconds) {
  // Always in a transaction with its outcome token, so that a lost answer can be settled
  // (one-product orders are placed in batches first: see OrderBatcher).
  co_return co_await db::in_transaction(pool, [&](db::Connection& tx) {
    return place_order(tx, user_id, lines, user_coupon_id, payment_timeout_seconds);
  });
}

awaitable<PlaceOutcome> place_order(db::Connection& tx, std::int64_t user_id,
                                    const std::vector<OrderLine>& lines,
                                    std::optional<std::int64_t> user_coupon_id,
                                    std::int64_t payment_timeout_seconds) {
  using Kind = PlaceOutcome::Kind;
  std::vector<std::int64_t> ids, quantities, prices;
  for (const auto& line : lines) {
    ids.push_back(line.product_id);
    quantities.push_back(line.quantity);
  }
  const bool one_product = lines.size() == 1;
  const bool lock_products = !one_product || user_coupon_id.has_value();
  auto products =
      co_await tx.execute(lock_products ? kLockProducts : kReadProducts, db::Params(ids, user_id));
  bool user_exists = !products.empty() && products.boolean(0, 3);
  if (products.empty()) user_exists = co_await users::user_exists(tx, user_id);
  if (!user_exists) co_return PlaceOutcome{Kind::user_not_found, {}};

  // Both lists are sorted by id and hold each product once: a missing product is the
  // first line whose id differs. Existence is settled before any stock is judged.
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (static_cast<int>(i) >= products.rows() ||
        products.int64(static_cast<int>(i), 0) != lines[i].product_id) {
      co_return PlaceOutcome{Kind::product_not_found, {}, lines[i].product_id};
    }
  }
  Order order;
  int row = 0;
  for (const auto& line : lines) {
    const auto price = products.int64(row, 1);
    const auto stock = products.int64(row, 2);
    if (stock < line.quantity) {
      co_return PlaceOutcome{Kind::out_of_stock, {}, line.product_id, stock, line.quantity};
    }
    prices.push_back(price);
    order.items.push_back({line.product_id, line.quantity, price, price * line.quantity});
    order.total_amount += price * line.quantity;
    ++row;
  }

  if (user_coupon_id) {
    auto coupon = co_await tx.execute(kLockUserCoupon, db::Params(*user_coupon_id));
    if (coupon.empty() || coupon.int64(0, 0) != user_id || coupon.text(0, 1) != "AVAILABLE" ||
        coupon.boolean(0, 2)) {
      co_return PlaceOutcome{Kind::coupon_not_usable, {}};
    }
    auto type = coupons::parse_discount_type(coupon.text(0, 3));
    order.discount_amount = coupons::discount_for(
        order.total_amount, type.value_or(coupons::DiscountType::fixed), coupon.int64(0, 4));
  }
  order.pay_amount = order.total_amount - order.discount_amount;

  auto inserted = co_await tx.execute(
      kInsertOrder, db::Params(user_id, payment_timeout_seconds, ids, quantities, user_coupon_id,
                               order.total_amount, order.discount_amount, prices));
  if (inserted.empty()) {
    // Locked rows cannot lose stock; if they did, throwing rolls back the partial update.
    if (lock_products) throw std::logic_error("locked stock changed during an order");
    // Only a one-product order without a coupon gets here: its stock went below the request
    // after it was read. Nothing was written.
    auto now = co_await tx.execute(kReadProducts, db::Params(ids, user_id));
    const std::int64_t left = now.empty() ? 0 : now.int64(0, 2);
    co_return PlaceOutcome{Kind::out_of_stock, {}, lines[0].product_id, left, lines[0].quantity};
  }
  order.id = inserted.int64(0, 0);
  order.user_id = user_id;
  order.status = "NOT_PAID";
  order.user_coupon_id = user_coupon_id;
  order.created_at = inserted.string(0, 1);
  order.expires_at = inserted.string(0, 2);
  co_return PlaceOutcome{Kind::placed, std::move(order)};
}

const db::BatchStatements& OrderBatch::statements() {
  static const db::BatchStatements statements{
      "orders.place_batch",
      "place_orders_batch($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint)",
      4,
      {{"item_order_id", "bigint"},
       {"item_unit_price", "bigint"},
       {"item_created_at", "text"},
       {"item_expires_at", "text"}}};
  return statements;
}

db::Params OrderBatch::params(const std::vector<PlaceRequest>& requests) const {
  return db::Params(db::column_of(requests, &PlaceRequest::user_id),
                    db::column_of(requests, &PlaceRequest::product_id),
                    db::column_of(requests, &PlaceRequest::quantity), payment_timeout_seconds);
}

std::optional<Order> OrderBatch::outcome(const db::Result& rows, int row,
                                         const PlaceRequest& request) const {
  if (rows.is_null(row, 0)) return std::nullopt;
  const auto price = rows.int64(row, 1);
  Order order;
  order.id = rows.int64(row, 0);
  order.user_id = request.user_id;
  order.status = "NOT_PAID";
  order.items.push_back({request.product_id, request.quantity, price, price * request.quantity});
  order.total_amount = price * request.quantity;
  order.pay_amount = order.total_amount;
  order.created_at = rows.string(row, 2);
  order.expires_at = rows.string(row, 3);
  return order;
}

awaitable<std::vector<std::optional<Order>>> place_orders_at_once(
    db::Pool& pool, const std::vector<PlaceRequest>& requests,
    std::int64_t payment_timeout_seconds) {
  co_return co_await db::write_batch(OrderBatch{payment_timeout_seconds}, pool, requests);
}

awaitable<std::optional<Order>> read_order(db::Connection& connection, std::int64_t order_id,
                                           std::int64_t user_id) {
  auto result = co_await connection.execute(kReadOrder, db::Params(order_id, user_id));
  if (result.empty()) co_return std::nullopt;
  Order order;
  order.id = result.int64(0, 0);
  order.user_id = result.int64(0, 1);
  order.status = result.string(0, 2);
  if (!result.is_null(0, 3)) order.user_coupon_id = result.int64(0, 3);
  order.total_amount = result.int64(0, 4);
  order.discount_amount = result.int64(0, 5);
  order.pay_amount = result.int64(0, 6);
  order.created_at = result.string(0, 7);
  order.expires_at = result.string(0, 8);
  if (!result.is_null(0, 9)) order.paid_at = result.string(0, 9);
  for (int row = 0; row < result.rows(); ++row) {
    order.items.push_back({result.int64(row, 10), result.int64(row, 11), result.int64(row, 12),
                           result.int64(row, 13)});
  }
  co_return order;
}

awaitable<FindOutcome> find_order(db::Pool& pool, std::int64_t order_id, std::int64_t user_id) {
  auto connection = co_await pool.acquire();
  auto order = co_await read_order(*connection, order_id, user_id);
  if (order) co_return FindOutcome{FindOutcome::Kind::found, std::move(*order)};
  bool known_user = co_await users::user_exists(*connection, user_id);
  co_return FindOutcome{
      known_user ? FindOutcome::Kind::not_found : FindOutcome::Kind::user_not_found, {}};
}

awaitable<std::vector<std::int64_t>> release_orders(db::Connection& connection,
                                                    const std::vector<std::int64_t>& order_ids,
                                                    OrderStatus to) {
  if (order_ids.empty() || !releases_reservation(to)) co_return std::vector<std::int64_t>{};
  co_await connection.execute(kLockProductsOfOrders, db::Params(order_ids));
  auto released =
      co_await connection.execute(kRelease, db::Params(order_ids, std::string(to_string(to))));
  co_return column_of(released);
}

awaitable<CancelOutcome> cancel_order(db::Connection& tx, std::int64_t order_id,
                                      std::int64_t user_id) {
  using Kind = CancelOutcome::Kind;
  auto locked = co_await tx.execute(kLockOrder, db::Params(order_id, user_id));
  if (locked.empty()) {
    bool known_user = co_await users::user_exists(tx, user_id);
    co_return CancelOutcome{known_user ? Kind::not_found : Kind::user_not_found, {}};
  }
  if (locked.text(0, 0) != "NOT_PAID") co_return CancelOutcome{Kind::not_payable, {}};
  co_await release_orders(tx, std::vector<std::int64_t>(1, order_id), OrderStatus::cancelled);
  auto order = co_await read_order(tx, order_id, user_id);
  co_return CancelOutcome{Kind::cancelled, std::move(*order)};
}

awaitable<CancelOutcome> cancel_order(db::Pool& pool, std::int64_t order_id, std::int64_t user_id) {
  co_return co_await db::in_transaction(pool, [&](db::Connection& tx) -> awaitable<CancelOutcome> {
    co_return co_await cancel_order(tx, order_id, user_id);
  });
}

awaitable<std::size_t> expire_overdue_orders(db::Pool& pool, std::int64_t batch) {
  co_return co_await db::in_transaction(pool, [&](db::Connection& tx) -> awaitable<std::size_t> {
    auto overdue = co_await tx.execute(kOverdue, db::Params(batch));
    auto released = co_await release_orders(tx, column_of(overdue), OrderStatus::expired);
    co_return released.size();
  });
}

}  // namespace orders
