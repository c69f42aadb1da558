#pragma once

#include <exception>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/errors.hpp"
#include "platform/db/pool.hpp"

namespace db {

// Rolls back whatever the connection has open; a failure here only means the connection
// is dropped by the pool (the server then rolls back on its own).
boost::asio::awaitable<void> rollback_if_open(Connection& connection);

// Runs `body(Connection&)` inside BEGIN ... COMMIT on one pooled connection. Every exit
// path ends the transaction: COMMIT on success, ROLLBACK on any exception. A serialization
// failure or deadlock restarts the whole body, a bounded number of times.
template <typename Body>
auto in_transaction(Pool& pool, Body&& body, int max_attempts = 5)
    -> decltype(body(std::declval<Connection&>())) {
  for (int attempt = 1;; ++attempt) {
    std::exception_ptr failure;
    {
      auto lease = co_await pool.acquire();
      try {
        co_await lease->execute("BEGIN");
        auto value = co_await body(*lease);
        co_await lease->execute("COMMIT");
        co_return value;
      } catch (...) {
        failure = std::current_exception();
      }
      co_await rollback_if_open(*lease);
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
