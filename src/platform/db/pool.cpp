#include "platform/db/pool.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/errors.hpp"

namespace db {

namespace asio = boost::asio;

Pool::Pool(asio::any_io_executor executor, PoolOptions options,
           const std::atomic<bool>* schema_ready)
    : executor_(executor),
      options_(std::move(options)),
      schema_ready_(schema_ready),
      self_(std::make_shared<Pool*>(this)) {}

Pool::~Pool() {
  shut_down_ = true;
  *self_ = nullptr;
  for (Waiter* waiter : waiters_) waiter->timer.cancel();
}

PoolStats Pool::stats() const {
  PoolStats stats;
  stats.open = open_;
  stats.idle = idle_.size();
  stats.in_use = open_ - idle_.size();
  stats.waiting = waiters_.size();
  return stats;
}

asio::awaitable<Pool::Lease> Pool::acquire(std::chrono::milliseconds within) {
  if (schema_ready_ && !schema_ready_->load(std::memory_order_acquire)) {
    throw DbUnavailable("database schema is not ready yet");
  }
  // Most recently used first: its server backend and caches are warm.
  while (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    if (connection->still_alive()) co_return Lease(this, std::move(connection));
    --open_;  // the server went away while it sat idle (e.g. a restart)
  }
  if (open_ < options_.max_connections) co_return co_await open_connection(false, within);
  if (waiters_.size() >= options_.max_waiters) {
    throw DbUnavailable("too many requests waiting for a database connection");
  }

  Waiter waiter(executor_);
  waiter.timer.expires_after(within > std::chrono::milliseconds::zero()
                                 ? std::min(within, options_.acquire_timeout)
                                 : options_.acquire_timeout);
  auto position = waiters_.insert(waiters_.end(), &waiter);
  const auto alive = self_;  // a pool destroyed while we wait must not be touched
  co_await waiter.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (*alive == nullptr) throw DbUnavailable("the database pool was closed");
  if (waiter.connection) co_return Lease(this, std::move(waiter.connection));
  if (waiter.may_open) co_return co_await open_connection(/*slot_reserved=*/true, within);
  // Timed out (or the pool is shutting down): still queued, so take ourselves out.
  waiters_.erase(position);
  throw DbUnavailable("timed out waiting for a database connection");
}

asio::awaitable<Pool::Lease> Pool::open_connection(bool slot_reserved,
                                                   std::chrono::milliseconds within) {
  // From here on this call owns one of the `open_` slots (a waiter's was reserved for it
  // when it was granted, so no newcomer could take it in between).
  if (!slot_reserved) ++open_;
  const auto now = std::chrono::steady_clock::now();
  if (last_connect_failure_ != std::chrono::steady_clock::time_point{} &&
      now - last_connect_failure_ < options_.reconnect_backoff) {
    give_up_slot();
    throw DbUnavailable("database is unreachable (retrying shortly)");
  }
  std::unique_ptr<Connection> connection;
  const auto alive = self_;  // the pool may be destroyed while we connect
  try {
    if (within > std::chrono::milliseconds::zero() && within < options_.connect.connect_timeout) {
      ConnectOptions bounded = options_.connect;
      bounded.connect_timeout = within;
      connection = co_await Connection::connect(executor_, bounded);
    } else {
      connection = co_await Connection::connect(executor_, options_.connect);
    }
  } catch (...) {
    if (*alive == nullptr) throw;
    last_connect_failure_ = std::chrono::steady_clock::now();
    give_up_slot();
    throw;
  }
  if (*alive == nullptr) throw DbUnavailable("the database pool was closed");
  last_connect_failure_ = {};
  co_return Lease(this, std::move(connection));
}

void Pool::release(std::unique_ptr<Connection> connection) {
  if (!connection->reusable() || shut_down_) {
    // Closing a connection mid-transaction makes the server roll it back: a request
    // cancelled halfway leaves nothing behind.
    connection.reset();
    give_up_slot();
    return;
  }
  if (!waiters_.empty()) {
    hand_to_waiter(std::move(connection));
    return;
  }
  idle_.push_back(std::move(connection));
}

void Pool::give_up_slot() {
  if (waiters_.empty() || shut_down_) {
    --open_;
    return;
  }
  // The slot passes straight to the first waiter: `open_` stays counted for it.
  Waiter* waiter = waiters_.front();
  waiters_.pop_front();
  waiter->may_open = true;
  waiter->timer.cancel();
}

void Pool::hand_to_waiter(std::unique_ptr<Connection> connection) {
  Waiter* waiter = waiters_.front();
  waiters_.pop_front();
  waiter->connection = std::move(connection);
  waiter->timer.cancel();
}

}  // namespace db
