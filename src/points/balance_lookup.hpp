#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "platform/db/batched_lookup.hpp"
#include "platform/db/pool.hpp"

namespace points {

// GET /points reads of one event loop, coalesced into `user_id = ANY($1)` statements
// (db::BatchedLookup). A one-row read paid a whole statement of its own, and PostgreSQL's
// cost per statement (protocol, snapshot, transaction) is many times that of the row: under
// load one statement now answers many reads. A read joins only a statement not yet sent,
// so it sees every charge or payment acknowledged before it arrived.
class BalanceLookup {
 public:
  explicit BalanceLookup(db::Pool& pool, std::size_t max_queries_in_flight = 1);

  // The balance, or nullopt for an unknown user.
  boost::asio::awaitable<std::optional<std::int64_t>> balance(std::int64_t user_id) {
    return lookup_.get(user_id);
  }
  std::uint64_t queries() const { return lookup_.fetches(); }

 private:
  db::BatchedLookup<std::int64_t, std::int64_t> lookup_;
};

}  // namespace points
