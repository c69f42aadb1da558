#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/batch_statements.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/result.hpp"
#include "platform/db/write_batch_metrics.hpp"

namespace points {

struct ChargeOutcome {
  enum class Kind { charged, user_not_found, limit_exceeded } kind;
  std::int64_t balance = 0;  // after the charge; the current balance when the limit is hit
};

// Adds `amount` to the user's balance and writes the CHARGE history row, atomically, in one
// transaction; the balance never goes over `max_balance` however many charges race.
boost::asio::awaitable<ChargeOutcome> charge(db::Pool& pool, std::int64_t user_id,
                                             std::int64_t amount, std::int64_t max_balance);
// The same on the caller's connection, inside its transaction if one is open.
boost::asio::awaitable<ChargeOutcome> charge(db::Connection& connection, std::int64_t user_id,
                                             std::int64_t amount, std::int64_t max_balance);

struct ChargeRequest {
  std::int64_t user_id;
  std::int64_t amount;
};

// Charges settled in batches (db::BatchedWrite): the function charge_points_batch, one
// statement and one commit for many charges, each with exactly the outcome `charge` would
// give it, applied in the order given; nullopt for a charge whose wallet was held elsewhere
// (settle it alone with `charge`, which waits for the row).
struct ChargeBatch {
  using Request = ChargeRequest;
  using Outcome = std::optional<ChargeOutcome>;
  static constexpr db::WriteKind kind = db::WriteKind::charge;
  static const db::BatchStatements& statements();
  db::Params params(const std::vector<ChargeRequest>& requests) const;
  std::optional<ChargeOutcome> outcome(const db::Result& rows, int row,
                                       const ChargeRequest& request) const;

  std::int64_t max_balance;
};

// One batch of charges: one outcome per request, in that order (db::write_batch says what
// a failure of the whole batch means).
boost::asio::awaitable<std::vector<std::optional<ChargeOutcome>>> charge_batch(
    db::Pool& pool, const std::vector<ChargeRequest>& requests, std::int64_t max_balance);

struct HistoryEntry {
  std::string type;
  std::int64_t amount;
  std::int64_t balance_after;
  std::optional<std::int64_t> order_id;
  std::string created_at;
};

struct HistoryPage {
  std::int64_t total = 0;
  std::vector<HistoryEntry> entries;  // newest first
};

// Nullopt for an unknown user.
boost::asio::awaitable<std::optional<HistoryPage>> history(db::Pool& pool, std::int64_t user_id,
                                                           std::int64_t limit, std::int64_t offset);

}  // namespace points
