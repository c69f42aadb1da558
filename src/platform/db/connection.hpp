#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

#include <libpq-fe.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "platform/db/params.hpp"
#include "platform/db/result.hpp"

namespace db {

struct ConnectOptions {
  std::string url;              // libpq URI or key=value string
  std::string session_options;  // e.g. "-c TimeZone=Asia/Seoul"
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{15000};  // network deadline for one statement
  // The server-side deadline of every statement: its statement_timeout and lock_timeout,
  // so a statement the client gave up on never keeps a backend waiting. 0: the server's.
  // Keep it below io_timeout: then PostgreSQL cancels first and the connection stays usable.
  std::chrono::milliseconds statement_timeout{0};
};

// One libpq connection in non-blocking mode, driven by the Asio loop that owns it:
// every wait for the socket is an async_wait, so no I/O thread ever blocks in libpq.
// Not thread-safe; one statement at a time (callers hold it through a pool lease).
class Connection {
 public:
  static boost::asio::awaitable<std::unique_ptr<Connection>> connect(
      boost::asio::any_io_executor executor, const ConnectOptions& options);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a named statement, preparing it on this connection the first time. A positive
  // `io_timeout` replaces the connection's own network deadline for this call (an outcome
  // check must end within what is left of its request's budget).
  boost::asio::awaitable<Result> execute(
      const Statement& statement, const Params& params,
      std::chrono::milliseconds io_timeout = std::chrono::milliseconds::zero());
  // Runs one SQL statement without preparing it (transaction control, ad-hoc SQL).
  boost::asio::awaitable<Result> execute(const char* sql, const Params& params = Params{});
  // Runs several `;`-separated statements in one round trip (simple query protocol; no
  // parameters, so only for text built from trusted values); returns the last result.
  boost::asio::awaitable<Result> execute_script(const std::string& sql);

  // The server process serving this connection (pg_stat_activity.pid): after a lost answer,
  // another connection ends it before asking what became of its transaction.
  int backend_pid() const { return backend_pid_; }

  // Safe to hand to another request: connected, no transaction open, no failure seen.
  bool reusable() const;
  // Reads anything the server sent while idle; false if the connection has died.
  bool still_alive();
  PGTransactionStatusType transaction_status() const { return PQtransactionStatus(conn_); }
  // After LISTEN: waits until the server sends a notification or `timeout` passes, and
  // drains every notification received. True if any arrived; DbUnavailable if the
  // connection died. Not to be used while a statement is running.
  boost::asio::awaitable<bool> wait_for_notification(std::chrono::milliseconds timeout);

 private:
  enum class Wait { read, write };

  Connection(boost::asio::any_io_executor executor, PGconn* conn,
             std::chrono::milliseconds io_timeout);

  boost::asio::awaitable<void> finish_connect(std::chrono::milliseconds timeout);
  boost::asio::awaitable<Result> collect_result(std::chrono::milliseconds io_timeout);
  boost::asio::awaitable<void> wait_socket(Wait wait);
  void arm_deadline(std::chrono::milliseconds timeout);
  void disarm_deadline();
  void adopt_socket();
  void release_socket();
  [[noreturn]] void fail_unavailable(const std::string& what);
  bool drain_notifications();
  bool socket_readable() const;

  boost::asio::any_io_executor executor_;
  PGconn* conn_;
  std::chrono::milliseconds io_timeout_;
  boost::asio::posix::stream_descriptor socket_;
  int socket_fd_ = -1;
  boost::asio::steady_timer deadline_;
  std::uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  bool broken_ = false;
  // A statement was sent and its whole answer has not been read yet: a failure now loses an
  // answer (DbAnswerLost) instead of only failing to send.
  bool awaiting_answer_ = false;
  int backend_pid_ = 0;
  // By name text: two Statement objects with one name are one prepared statement.
  std::unordered_set<std::string> prepared_;
};

}  // namespace db
