#pragma once

#include <functional>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "platform/db/connection.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/message.hpp"

namespace idempotency {

// The guarded work: runs inside the transaction that also records the key, and renders
// its answer there (throwing http::ApiError for a business-rule failure is fine).
using Work = std::function<boost::asio::awaitable<http::Response>(db::Connection& tx)>;

// Runs `work` at most once per Idempotency-Key of one owner (owner_of), as the contract says: the
// key row is inserted in the same transaction as the work and the answer is stored before it
// commits, so a key is either unused or bound to a committed answer. A concurrent request
// with the same key waits for that commit and then replays (or, after a few seconds,
// gets 409 IDEMPOTENCY_KEY_IN_PROGRESS). Another owner's equal key is another key. Answers with
// status 400 or 5xx are not stored: the transaction is rolled back and the key stays unused.
boost::asio::awaitable<http::Response> run_once(db::Pool& pool, const http::Request& request,
                                                std::int64_t owner, std::string_view key,
                                                Work work);

// Deletes keys older than 24 hours, at most `batch` per call; returns how many.
boost::asio::awaitable<std::size_t> prune_expired_keys(db::Pool& pool, std::int64_t batch);

// One pruning step for a tasks::PeriodicTask: batches while they come back full (up to a
// bound). Instances pruning at once skip each other's rows.
boost::asio::awaitable<void> prune_all_expired_keys(db::Pool& pool);

}  // namespace idempotency
