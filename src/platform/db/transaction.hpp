#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/errors.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/write_outcome.hpp"

namespace db {

// Rolls back whatever the connection has open; a failure here only means the connection
// is dropped by the pool (the server then rolls back on its own).
boost::asio::awaitable<void> rollback_if_open(Connection& connection);

// Commits the transaction open on `connection` with `token` (db::settle_lost_write): the token's
// row and COMMIT in one round trip.
boost::asio::awaitable<void> commit_with_token(Connection& connection, std::int64_t token);

// Runs `body(Connection&)` inside BEGIN ... COMMIT on one pooled connection. Every exit
// path ends the transaction: COMMIT on success, ROLLBACK on any exception. A serialization
// failure or deadlock restarts the whole body, a bounded number of times.
//
// Every answer is true: a failure before COMMIT was sent applied nothing (DbUnavailable, a
// 503); when COMMIT's answer is lost, the transaction's token tells on another connection
// whether it committed: then the body's value is returned as if the answer had come, or
// DbUnavailable if it did not commit, or DbOutcomeUnknown (504) if the database could not be
// asked within the pool's outcome budget.
template <typename Body>
auto in_transaction(Pool& pool, Body&& body, int max_attempts = 5)
    -> decltype(body(std::declval<Connection&>())) {
  co_await admit_write(pool);
  for (int attempt = 1;; ++attempt) {
    std::exception_ptr failure;
    {
      auto lease = co_await pool.acquire();
      const std::int64_t token = next_write_token();
      try {
        co_await lease->execute("BEGIN");
        auto value = co_await body(*lease);
        std::string lost_commit;
        try {
          co_await commit_with_token(*lease, token);
          co_return value;
        } catch (const DbAnswerLost& lost) {
          lost_commit = lost.what();
        }
        const int pid = lease->backend_pid();
        lease = Pool::Lease{};  // the broken connection goes before another one is opened
        co_await settle_lost_write(pool, pid, token, lost_commit);
        co_return value;
      } catch (const DbAnswerLost& lost) {
        // Lost before COMMIT was sent: the transaction cannot have committed.
        if (AnswerWatch* watch = pool.answer_watch()) watch->answer_lost();
        throw DbUnavailable(std::string("transaction not committed: ") + lost.what());
      } catch (...) {
        failure = std::current_exception();
      }
      if (lease) co_await rollback_if_open(*lease);
    }
    bool retry = false;
    try {
      std::rethrow_exception(failure);
    } catch (const DbError& error) {
      retry = error.is_retryable() && attempt < max_attempts;
      if (!retry && error.is_retryable()) {
        throw DbUnavailable("transaction kept conflicting with concurrent ones; retry later");
      }
    } catch (...) {
    }
    if (!retry) std::rethrow_exception(failure);
    // Back off a little, growing with each attempt, so the conflicting transactions drain.
    boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
    pause.expires_after(std::chrono::milliseconds(2 * attempt * attempt));
    co_await pause.async_wait(boost::asio::use_awaitable);
  }
}

}  // namespace db
