#include "idempotency/idempotent_request.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <charconv>

#include "platform/db/errors.hpp"
#include "platform/db/transaction.hpp"
#include "platform/http/api_error.hpp"

namespace idempotency {

namespace {

using boost::asio::awaitable;

// Claims the key, or takes over one older than 24 h (rows are pruned lazily). On a live
// conflict nothing is returned; the conflicting row is then read back.
const db::Statement kClaim{
    "idempotency.claim",
    "INSERT INTO idempotency_keys AS k (owner_id, idempotency_key, endpoint, request_body)"
    " VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (owner_id, idempotency_key) DO UPDATE"
    " SET endpoint = excluded.endpoint, request_body = excluded.request_body,"
    "     response_status = NULL, response_body = NULL, created_at = now()"
    " WHERE k.created_at < now() - interval '24 hours' "
    "RETURNING true"};

const db::Statement kRead{
    "idempotency.read",
    "SELECT endpoint, request_body, response_status, response_body FROM idempotency_keys"
    " WHERE owner_id = $1 AND idempotency_key = $2"};

const db::Statement kStore{
    "idempotency.store",
    "UPDATE idempotency_keys SET response_status = $3::integer, response_body = $4"
    " WHERE owner_id = $1 AND idempotency_key = $2"};

const db::Statement kPrune{"idempotency.prune",
                           "DELETE FROM idempotency_keys k USING ("
                           "  SELECT owner_id, idempotency_key FROM idempotency_keys"
                           "  WHERE created_at < now() - interval '24 hours' LIMIT $1::bigint"
                           "  FOR UPDATE SKIP LOCKED) expired"
                           " WHERE k.owner_id = expired.owner_id"
                           "   AND k.idempotency_key = expired.idempotency_key"};

// How long a duplicate waits for the first request's transaction before giving up.
constexpr const char* kClaimLockTimeout = "SET LOCAL lock_timeout = '5s'";
constexpr const char* kDefaultLockTimeout = "SET LOCAL lock_timeout = DEFAULT";
constexpr std::string_view kLockNotAvailable = "55P03";

// An answer that must not be stored: thrown out of the transaction so it rolls back.
struct Unstored {
  http::Response response;
};

bool is_stored(int status) {
  return status != 400 && status < 500;
}

http::Response replay(int status, std::string body) {
  http::Response response = http::Response::json(status, std::move(body));
  if (status >= 400) response.content_type = "application/problem+json";
  response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

awaitable<http::Response> answer_for_existing(db::Connection& tx, std::int64_t owner,
                                              std::string_view key, std::string_view endpoint,
                                              std::string_view body) {
  auto existing = co_await tx.execute(kRead, db::Params(owner, key));
  if (existing.empty() || existing.is_null(0, 2)) {
    // Cannot be seen after a commit (the answer is stored first); kept as a safe answer.
    throw Unstored{http::problem(409, "IDEMPOTENCY_KEY_IN_PROGRESS",
                                 "the first request with this Idempotency-Key is still running")};
  }
  if (existing.text(0, 0) != endpoint || existing.text(0, 1) != body) {
    throw Unstored{http::problem(
        409, "IDEMPOTENCY_KEY_REUSED",
        fmt::format("this Idempotency-Key was first used for {} with a different body",
                    existing.text(0, 0)))};
  }
  int status = 0;
  auto text = existing.text(0, 2);
  std::from_chars(text.data(), text.data() + text.size(), status);
  co_return replay(status, existing.string(0, 3));
}

}  // namespace

awaitable<http::Response> run_once(db::Pool& pool, const http::Request& request, std::int64_t owner,
                                   std::string_view key, Work work) {
  // The route pattern and its parameters, not the raw path: "/api/v1/orders/" and
  // "/api/v1/orders" are one endpoint, while the payments of orders 1 and 2 are two.
  std::string endpoint = fmt::format("{} {}", http::method_name(request.method), request.route);
  for (const auto& [name, value] : request.params) endpoint += fmt::format(" {}={}", name, value);
  try {
    co_return co_await db::in_transaction(
        pool, [&](db::Connection& tx) -> awaitable<http::Response> {
          co_await tx.execute(kClaimLockTimeout);
          bool claimed = false;
          try {
            claimed = !(co_await tx.execute(kClaim, db::Params(owner, key, endpoint, request.body)))
                           .empty();
          } catch (const db::DbError& error) {
            if (error.sqlstate() != kLockNotAvailable) throw;
            throw Unstored{
                http::problem(409, "IDEMPOTENCY_KEY_IN_PROGRESS",
                              "the first request with this Idempotency-Key is still running")};
          }
          if (!claimed) {
            co_return co_await answer_for_existing(tx, owner, key, endpoint, request.body);
          }
          co_await tx.execute(kDefaultLockTimeout);

          http::Response response;
          try {
            response = co_await work(tx);
          } catch (const http::ApiError& error) {
            response = http::problem(error.status(), error.code(), error.what());
          }
          if (!is_stored(response.status)) throw Unstored{std::move(response)};
          co_await tx.execute(kStore, db::Params(owner, key, response.status, response.body));
          co_return response;
        });
  } catch (Unstored& unstored) {
    co_return std::move(unstored.response);
  }
}

awaitable<std::size_t> prune_expired_keys(db::Pool& pool, std::int64_t batch) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kPrune, db::Params(batch));
  const std::string affected = result.affected();
  std::size_t deleted = 0;
  std::from_chars(affected.data(), affected.data() + affected.size(), deleted);
  co_return deleted;
}

awaitable<void> prune_all_expired_keys(db::Pool& pool) {
  constexpr std::int64_t kBatch = 1000;
  constexpr int kMaxBatchesPerStep = 20;
  for (int round = 0; round < kMaxBatchesPerStep; ++round) {
    const std::size_t deleted = co_await prune_expired_keys(pool, kBatch);
    if (deleted > 0) spdlog::info("msg=\"pruned expired idempotency keys\" count={}", deleted);
    if (deleted < static_cast<std::size_t>(kBatch)) break;
  }
}

}  // namespace idempotency
