#include "events/outbox_store.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "platform/db/params.hpp"
#include "platform/db/result.hpp"

namespace events {

using boost::asio::awaitable;

namespace {

// Rows are picked as an array (`= ANY (ARRAY(...))`, index lookups), not `IN (subquery)`,
// whose generic plan on a queue table the statistics see as nearly empty can be a nested
// loop over the whole table (see stats/sales_folder.cpp). The same for the prune.
const db::Statement kClaim{
    "outbox.claim",
    "UPDATE outbox_events SET attempts = attempts + 1,"
    "  next_attempt_at = now() + $2::bigint * interval '1 millisecond' "
    "WHERE id = ANY (ARRAY(SELECT id FROM outbox_events"
    "                      WHERE delivered_at IS NULL AND next_attempt_at <= now()"
    "                      ORDER BY next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED)) "
    "RETURNING id, event_id, payload::text, attempts"};

const db::Statement kMarkDelivered{
    "outbox.mark_delivered",
    "UPDATE outbox_events SET delivered_at = now(), last_error = NULL "
    "WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL "
    "RETURNING extract(epoch FROM now() - created_at)::float8"};

// The attempts condition leaves alone a row whose lease ran out and that another relay
// has claimed since: its schedule is that relay's now.
const db::Statement kReschedule{
    "outbox.reschedule",
    "UPDATE outbox_events e"
    "   SET next_attempt_at = now() + f.delay_ms * interval '1 millisecond', last_error = f.error"
    "  FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[])"
    "       AS f(id, attempts, delay_ms, error) "
    " WHERE e.id = f.id AND e.attempts = f.attempts AND e.delivered_at IS NULL"};

const db::Statement kPrune{"outbox.prune",
                           "DELETE FROM outbox_events WHERE id = ANY (ARRAY("
                           "  SELECT id FROM outbox_events"
                           "  WHERE delivered_at < now() - $1::int * interval '1 hour'"
                           "  LIMIT $2::int FOR UPDATE SKIP LOCKED))"};

const db::Statement kBacklog{
    "outbox.backlog",
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at))::float8, 0) "
    "FROM outbox_events WHERE delivered_at IS NULL"};

double to_double(std::string_view text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// A text[] parameter in PostgreSQL's array text form: every element quoted, with
// backslashes and quotes escaped.
std::string text_array(const std::vector<FailedAttempt>& failures) {
  std::string out = "{";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : failures[i].error) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

awaitable<std::vector<ClaimedEvent>> claim_due_events(db::Pool& pool, int limit,
                                                      std::chrono::milliseconds lease) {
  auto connection = co_await pool.acquire();
  auto rows = co_await connection->execute(
      kClaim, db::Params(limit, static_cast<std::int64_t>(lease.count())));
  std::vector<ClaimedEvent> claimed;
  claimed.reserve(rows.rows());
  for (int row = 0; row < rows.rows(); ++row) {
    claimed.push_back(ClaimedEvent{rows.int64(row, 0), rows.string(row, 1), rows.string(row, 2),
                                   static_cast<int>(rows.int64(row, 3))});
  }
  // UPDATE ... RETURNING does not keep the subquery's order; deliver oldest first.
  std::sort(claimed.begin(), claimed.end(),
            [](const ClaimedEvent& a, const ClaimedEvent& b) { return a.id < b.id; });
  co_return claimed;
}

awaitable<std::vector<double>> mark_delivered(db::Pool& pool,
                                              const std::vector<std::int64_t>& ids) {
  std::vector<double> lags;
  if (ids.empty()) co_return lags;
  auto connection = co_await pool.acquire();
  auto rows = co_await connection->execute(kMarkDelivered, db::Params(ids));
  lags.reserve(rows.rows());
  for (int row = 0; row < rows.rows(); ++row) lags.push_back(to_double(rows.text(row, 0)));
  co_return lags;
}

awaitable<void> reschedule_failed(db::Pool& pool, const std::vector<FailedAttempt>& failures) {
  if (failures.empty()) co_return;
  std::vector<std::int64_t> ids, attempts, delays;
  for (const auto& failure : failures) {
    ids.push_back(failure.id);
    attempts.push_back(failure.attempts);
    delays.push_back(failure.delay.count());
  }
  auto connection = co_await pool.acquire();
  co_await connection->execute(kReschedule,
                               db::Params(ids, attempts, delays).add(text_array(failures)));
}

awaitable<std::int64_t> prune_delivered(db::Pool& pool, std::chrono::hours retention, int limit) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(
      kPrune, db::Params(static_cast<std::int64_t>(retention.count()), limit));
  const std::string affected = result.affected();
  std::int64_t deleted = 0;
  std::from_chars(affected.data(), affected.data() + affected.size(), deleted);
  co_return deleted;
}

awaitable<Backlog> backlog(db::Pool& pool) {
  auto connection = co_await pool.acquire();
  auto rows = co_await connection->execute(kBacklog, db::Params());
  co_return Backlog{rows.int64(0, 0), to_double(rows.text(0, 1))};
}

}  // namespace events
