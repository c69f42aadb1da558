#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace points {

struct ChargeOutcome {
  enum class Kind { charged, user_not_found, limit_exceeded } kind;
  std::int64_t balance = 0;  // after the charge; the current balance when the limit is hit
};

// Adds `amount` to the user's balance and writes the CHARGE history row, atomically, in one
// statement; the balance never goes over `max_balance` however many charges race.
boost::asio::awaitable<ChargeOutcome> charge(db::Pool& pool, std::int64_t user_id,
                                             std::int64_t amount, std::int64_t max_balance);
// The same on the caller's connection, inside its transaction if one is open.
boost::asio::awaitable<ChargeOutcome> charge(db::Connection& connection, std::int64_t user_id,
                                             std::int64_t amount, std::int64_t max_balance);

struct ChargeRequest {
  std::int64_t user_id;
  std::int64_t amount;
};

// Many charges in one statement and one commit (the function charge_points_batch in
// db/migrations): each has exactly the outcome `charge` would give it, applied in the
// order given; one outcome per request, in that order. Throws only if the whole batch
// failed, in which case none of it was applied.
boost::asio::awaitable<std::vector<ChargeOutcome>> charge_batch(
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
