#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "platform/db/connection.hpp"
#include "platform/db/write_outcome.hpp"

namespace db {

struct PoolOptions {
  ConnectOptions connect;
  std::size_t max_connections = 8;
  std::size_t max_waiters = 4096;  // beyond this, shed load instead of queueing forever
  std::chrono::milliseconds acquire_timeout{5000};
  // After a failed connect, fail fast for this long instead of hammering a dead server.
  std::chrono::milliseconds reconnect_backoff{500};
  // Shared by the instance's pools (db::AnswerWatch): once a write's answer is lost, writes
  // are held until the database answers again. Null: never held (tools, some tests).
  std::shared_ptr<AnswerWatch> answer_watch{};
  // How long a write whose answer was lost keeps trying to learn its outcome (the request
  // deadline) before it answers 504 OUTCOME_UNKNOWN.
  std::chrono::milliseconds outcome_budget{5000};
};

struct PoolStats {
  std::size_t open = 0;
  std::size_t idle = 0;
  std::size_t in_use = 0;
  std::size_t waiting = 0;
};

// A bounded pool of connections living on one event loop (one pool per I/O thread, so
// connections never cross threads). Single-threaded by design: only that loop touches it.
class Pool {
 public:
  class Lease {
   public:
    Lease() = default;
    Lease(Pool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool->self_), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        give_back();
        pool_ = other.pool_;
        connection_ = std::move(other.connection_);
      }
      return *this;
    }
    ~Lease() { give_back(); }

    explicit operator bool() const { return connection_ != nullptr; }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    void give_back() {
      if (pool_ && *pool_ && connection_) (*pool_)->release(std::move(connection_));
      connection_.reset();
    }
    // Shared with the pool, which nulls it when destroyed: a lease still held by a request
    // abandoned at shutdown then just closes its connection.
    std::shared_ptr<Pool*> pool_;
    std::unique_ptr<Connection> connection_;
  };

  // `schema_ready` gates every acquire: until migrations are applied the database is
  // "unavailable" to request handlers. Null means always ready.
  Pool(boost::asio::any_io_executor executor, PoolOptions options,
       const std::atomic<bool>* schema_ready = nullptr);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A positive `within` bounds the wait for a connection, and the connect of a new one, by
  // that much (less than acquire_timeout and connect_timeout): an outcome check's budget.
  boost::asio::awaitable<Lease> acquire(
      std::chrono::milliseconds within = std::chrono::milliseconds::zero());
  PoolStats stats() const;
  const boost::asio::any_io_executor& executor() const { return executor_; }
  AnswerWatch* answer_watch() const { return options_.answer_watch.get(); }
  std::chrono::milliseconds outcome_budget() const { return options_.outcome_budget; }

 private:
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor executor) : timer(executor) {}
    boost::asio::steady_timer timer;
    std::unique_ptr<Connection> connection;
    bool may_open = false;  // a slot was freed for this waiter to open its own connection
  };

  boost::asio::awaitable<Lease> open_connection(
      bool slot_reserved = false,
      std::chrono::milliseconds within = std::chrono::milliseconds::zero());
  void release(std::unique_ptr<Connection> connection);
  // A slot of `open_` is free again: it goes to the first waiter, else back to the pool.
  void give_up_slot();
  void hand_to_waiter(std::unique_ptr<Connection> connection);

  boost::asio::any_io_executor executor_;
  PoolOptions options_;
  const std::atomic<bool>* schema_ready_;
  std::deque<std::unique_ptr<Connection>> idle_;
  std::list<Waiter*> waiters_;
  std::size_t open_ = 0;  // connected or connecting
  std::chrono::steady_clock::time_point last_connect_failure_{};
  bool shut_down_ = false;
  std::shared_ptr<Pool*> self_;
};

}  // namespace db
