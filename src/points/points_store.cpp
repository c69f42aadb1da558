#include "points/points_store.hpp"

#include "platform/db/batched_write.hpp"
#include "platform/db/transaction.hpp"

namespace points {

namespace {

// The wallet's `version` numbers the balance changes; the history row takes it as `seq`,
// so the history orders exactly as the balance changed.
const db::Statement kCharge{
    "points.charge",
    "WITH w AS ("
    "  UPDATE point_wallets SET balance = balance + $2::bigint, version = version + 1,"
    "         updated_at = now()"
    "  WHERE user_id = $1::bigint AND balance <= $3::bigint - $2::bigint"
    "  RETURNING user_id, balance, version), "
    "h AS (INSERT INTO point_history (user_id, seq, type, amount, balance_after)"
    "      SELECT user_id, version, 'CHARGE', $2::bigint, balance FROM w) "
    "SELECT balance FROM w"};

const db::Statement kBalance{"points.balance",
                             "SELECT balance FROM point_wallets WHERE user_id = $1::bigint"};

// Every balance change writes exactly one history row and bumps `version`, so `version` is
// the history's row count: the total comes with the page in one round trip.
const db::Statement kHistory{
    "points.history",
    "SELECT w.version, h.type, h.amount, h.balance_after, h.order_id, "
    "       api_timestamp(h.created_at) "
    "FROM point_wallets w LEFT JOIN LATERAL ("
    "  SELECT type, amount, balance_after, order_id, created_at FROM point_history"
    "  WHERE user_id = w.user_id ORDER BY seq DESC LIMIT $2::bigint OFFSET $3::bigint) h ON true "
    "WHERE w.user_id = $1::bigint"};

}  // namespace

boost::asio::awaitable<ChargeOutcome> charge(db::Pool& pool, std::int64_t user_id,
                                             std::int64_t amount, std::int64_t max_balance) {
  // A transaction with its outcome token, so that a lost answer can be settled.
  co_return co_await db::in_transaction(
      pool, [&](db::Connection& tx) { return charge(tx, user_id, amount, max_balance); });
}

boost::asio::awaitable<ChargeOutcome> charge(db::Connection& connection, std::int64_t user_id,
                                             std::int64_t amount, std::int64_t max_balance) {
  auto charged = co_await connection.execute(kCharge, db::Params(user_id, amount, max_balance));
  if (!charged.empty()) co_return ChargeOutcome{ChargeOutcome::Kind::charged, charged.int64(0, 0)};
  // Nothing updated: either there is no such wallet, or the limit stopped it.
  auto current = co_await connection.execute(kBalance, db::Params(user_id));
  if (current.empty()) co_return ChargeOutcome{ChargeOutcome::Kind::user_not_found, 0};
  co_return ChargeOutcome{ChargeOutcome::Kind::limit_exceeded, current.int64(0, 0)};
}

const db::BatchStatements& ChargeBatch::statements() {
  static const db::BatchStatements statements{
      "points.charge_batch",
      "charge_points_batch($1::bigint[], $2::bigint[], $3::bigint)",
      3,
      {{"item_outcome", "text"}, {"item_balance", "bigint"}}};
  return statements;
}

db::Params ChargeBatch::params(const std::vector<ChargeRequest>& requests) const {
  return db::Params(db::column_of(requests, &ChargeRequest::user_id),
                    db::column_of(requests, &ChargeRequest::amount), max_balance);
}

std::optional<ChargeOutcome> ChargeBatch::outcome(const db::Result& rows, int row,
                                                  const ChargeRequest&) const {
  const auto kind = rows.text(row, 0);
  const auto balance = rows.int64(row, 1);
  if (kind == "charged") return ChargeOutcome{ChargeOutcome::Kind::charged, balance};
  if (kind == "limit_exceeded") return ChargeOutcome{ChargeOutcome::Kind::limit_exceeded, balance};
  if (kind == "busy") return std::nullopt;
  return ChargeOutcome{ChargeOutcome::Kind::user_not_found, 0};
}

boost::asio::awaitable<std::vector<std::optional<ChargeOutcome>>> charge_batch(
    db::Pool& pool, const std::vector<ChargeRequest>& requests, std::int64_t max_balance) {
  co_return co_await db::write_batch(ChargeBatch{max_balance}, pool, requests);
}

boost::asio::awaitable<std::optional<HistoryPage>> history(db::Pool& pool, std::int64_t user_id,
                                                           std::int64_t limit,
                                                           std::int64_t offset) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kHistory, db::Params(user_id, limit, offset));
  if (result.empty()) co_return std::nullopt;
  HistoryPage page;
  page.total = result.int64(0, 0);
  for (int row = 0; row < result.rows(); ++row) {
    if (result.is_null(row, 1)) break;  // the wallet row with no history on this page
    HistoryEntry entry{result.string(row, 1), result.int64(row, 2), result.int64(row, 3),
                       std::nullopt, result.string(row, 5)};
    if (!result.is_null(row, 4)) entry.order_id = result.int64(row, 4);
    page.entries.push_back(std::move(entry));
  }
  co_return page;
}

}  // namespace points
