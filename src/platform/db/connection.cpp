#include "platform/db/connection.hpp"

#include <cerrno>
#include <string>
#include <vector>

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include "platform/db/errors.hpp"

namespace db {

namespace asio = boost::asio;

namespace {

std::string trimmed_message(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Server notices go to the log, not to stderr.
void log_notice(void*, const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  spdlog::warn("msg=\"database notice\" notice=\"{}\"", text);
}

std::string field(const PGresult* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value ? value : "";
}

}  // namespace

Connection::Connection(asio::any_io_executor executor, PGconn* conn,
                       std::chrono::milliseconds io_timeout)
    : executor_(executor),
      conn_(conn),
      io_timeout_(io_timeout),
      socket_(executor),
      deadline_(executor) {}

Connection::~Connection() {
  disarm_deadline();
  // libpq owns the socket: Asio must let go of it before PQfinish closes it.
  release_socket();
  PQfinish(conn_);
}

asio::awaitable<std::unique_ptr<Connection>> Connection::connect(asio::any_io_executor executor,
                                                                 const ConnectOptions& options) {
  // Later keywords override what the URL says, so the session options always apply.
  std::string session_options = options.session_options;
  if (options.statement_timeout.count() > 0) {
    // Enforced by the server itself: a statement past its deadline (a lock wait included)
    // is cancelled there, whatever became of the client that sent it; a transaction left
    // idle by a vanished client is ended too.
    const auto deadline = options.statement_timeout.count();
    session_options += " -c statement_timeout=" + std::to_string(deadline) +
                       " -c lock_timeout=" + std::to_string(deadline) +
                       " -c idle_in_transaction_session_timeout=" + std::to_string(2 * deadline);
  }
  const char* keywords[] = {"dbname", "options", "application_name", nullptr};
  const char* values[] = {options.url.c_str(), session_options.c_str(), "ecommerce", nullptr};
  PGconn* raw = PQconnectStartParams(keywords, values, /*expand_dbname=*/1);
  if (raw == nullptr) throw DbUnavailable("out of memory starting a database connection");
  std::unique_ptr<Connection> connection(new Connection(executor, raw, options.io_timeout));
  PQsetNoticeProcessor(raw, &log_notice, nullptr);
  if (PQstatus(raw) == CONNECTION_BAD) {
    throw DbUnavailable("database connection failed: " + trimmed_message(PQerrorMessage(raw)));
  }
  co_await connection->finish_connect(options.connect_timeout);
  co_return connection;
}

asio::awaitable<void> Connection::finish_connect(std::chrono::milliseconds timeout) {
  arm_deadline(timeout);
  // Per libpq's protocol, start as if PQconnectPoll had asked to write.
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED) {
      disarm_deadline();
      fail_unavailable("database connection failed: " + trimmed_message(PQerrorMessage(conn_)));
    }
    // libpq may switch sockets between steps (e.g. trying the next host).
    if (PQsocket(conn_) != socket_fd_) adopt_socket();
    co_await wait_socket(poll == PGRES_POLLING_READING ? Wait::read : Wait::write);
    poll = PQconnectPoll(conn_);
  }
  disarm_deadline();
  if (PQsocket(conn_) != socket_fd_) adopt_socket();
  if (PQsetnonblocking(conn_, 1) != 0) fail_unavailable("cannot make the connection non-blocking");
  backend_pid_ = PQbackendPID(conn_);
}

void Connection::adopt_socket() {
  release_socket();
  socket_fd_ = PQsocket(conn_);
  if (socket_fd_ >= 0) socket_.assign(socket_fd_);
}

void Connection::release_socket() {
  if (socket_.is_open()) socket_.release();
  socket_fd_ = -1;
}

void Connection::arm_deadline(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  const auto generation = ++deadline_generation_;
  deadline_.expires_after(timeout);
  deadline_.async_wait([this, generation](boost::system::error_code ec) {
    // A stale expiry (the operation already finished and a new one started) must not
    // cancel the new one; `this` is only touched when the timer really fired.
    if (ec || generation != deadline_generation_) return;
    timed_out_ = true;
    if (socket_.is_open()) socket_.cancel();
  });
}

void Connection::disarm_deadline() {
  ++deadline_generation_;
  deadline_.cancel();
}

asio::awaitable<void> Connection::wait_socket(Wait wait) {
  if (!socket_.is_open()) fail_unavailable("database connection has no socket");
  auto type = wait == Wait::read ? asio::posix::stream_descriptor::wait_read
                                 : asio::posix::stream_descriptor::wait_write;
  auto [ec] = co_await socket_.async_wait(type, asio::as_tuple(asio::use_awaitable));
  if (timed_out_) fail_unavailable("database operation timed out");
  if (ec) fail_unavailable("database socket error: " + ec.message());
}

void Connection::fail_unavailable(const std::string& what) {
  broken_ = true;
  if (awaiting_answer_) {
    awaiting_answer_ = false;
    throw DbAnswerLost(what + " (after the statement was sent: its outcome is unknown)");
  }
  throw DbUnavailable(what);
}

bool Connection::reusable() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Connection::still_alive() {
  if (broken_ || PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return false;
  }
  // A server that ended the session (restart, pg_terminate_backend) sends a FATAL notice
  // and closes; libpq consumes the notice and still reports CONNECTION_OK until it reads
  // the end of file, so look for it directly.
  char byte = 0;
  ssize_t peeked = ::recv(PQsocket(conn_), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
    broken_ = true;
    return false;
  }
  // Drop any asynchronous notices the server sent while the connection sat idle.
  while (PGnotify* notify = PQnotifies(conn_)) PQfreemem(notify);
  return true;
}

bool Connection::drain_notifications() {
  bool any = false;
  while (PGnotify* notify = PQnotifies(conn_)) {
    any = true;
    PQfreemem(notify);
  }
  return any;
}

bool Connection::socket_readable() const {
  // A non-blocking peek: data (or the end of the stream, which PQconsumeInput reports)
  // is waiting, so reading will not block.
  char byte = 0;
  const ssize_t peeked = ::recv(PQsocket(conn_), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

asio::awaitable<bool> Connection::wait_for_notification(std::chrono::milliseconds timeout) {
  if (broken_) throw DbUnavailable("database connection is broken");
  // Notifications that came in with an earlier result are already buffered.
  if (drain_notifications()) co_return true;
  if (!socket_.is_open()) fail_unavailable("database connection has no socket");
  arm_deadline(timeout);
  auto [ec] = co_await socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                                          asio::as_tuple(asio::use_awaitable));
  disarm_deadline();
  if (timed_out_) co_return false;
  if (ec) fail_unavailable("database socket error: " + ec.message());
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) {
    fail_unavailable("database connection lost: " + trimmed_message(PQerrorMessage(conn_)));
  }
  co_return drain_notifications();
}

asio::awaitable<Result> Connection::execute(const Statement& statement, const Params& params,
                                            std::chrono::milliseconds io_timeout) {
  if (broken_) throw DbUnavailable("database connection is broken");
  if (io_timeout <= std::chrono::milliseconds::zero()) io_timeout = io_timeout_;
  if (!prepared_.contains(statement.name)) {
    if (PQsendPrepare(conn_, statement.name, statement.sql, 0, nullptr) == 0) {
      fail_unavailable("cannot send to database: " + trimmed_message(PQerrorMessage(conn_)));
    }
    co_await collect_result(io_timeout);
    prepared_.insert(statement.name);
  }
  auto values = params.pointers();
  if (PQsendQueryPrepared(conn_, statement.name, params.size(), values.data(), nullptr, nullptr,
                          0) == 0) {
    fail_unavailable("cannot send to database: " + trimmed_message(PQerrorMessage(conn_)));
  }
  co_return co_await collect_result(io_timeout);
}

asio::awaitable<Result> Connection::execute(const char* sql, const Params& params) {
  if (broken_) throw DbUnavailable("database connection is broken");
  auto values = params.pointers();
  if (PQsendQueryParams(conn_, sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0) ==
      0) {
    fail_unavailable("cannot send to database: " + trimmed_message(PQerrorMessage(conn_)));
  }
  co_return co_await collect_result(io_timeout_);
}

asio::awaitable<Result> Connection::execute_script(const std::string& sql) {
  if (broken_) throw DbUnavailable("database connection is broken");
  if (PQsendQuery(conn_, sql.c_str()) == 0) {
    fail_unavailable("cannot send to database: " + trimmed_message(PQerrorMessage(conn_)));
  }
  co_return co_await collect_result(io_timeout_);
}

asio::awaitable<Result> Connection::collect_result(std::chrono::milliseconds io_timeout) {
  // From here the server may act on what was sent: losing the connection loses an answer.
  awaiting_answer_ = true;
  arm_deadline(io_timeout);
  for (;;) {
    int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) {
      disarm_deadline();
      fail_unavailable("database write failed: " + trimmed_message(PQerrorMessage(conn_)));
    }
    co_await wait_socket(Wait::write);
  }
  Result outcome;
  Result error;
  for (;;) {
    while (PQisBusy(conn_)) {
      // Asio's epoll reactor is edge-triggered and a descriptor wait does not look for
      // bytes already there, while PQconsumeInput reads only about one input buffer: when
      // the rest of a large result already sits in the kernel, no new edge would come.
      // So wait only when nothing is readable; otherwise yield to the loop and read on.
      if (socket_readable()) {
        co_await asio::post(executor_, asio::use_awaitable);
        if (timed_out_) fail_unavailable("database operation timed out");
      } else {
        co_await wait_socket(Wait::read);
      }
      if (PQconsumeInput(conn_) == 0) {
        disarm_deadline();
        fail_unavailable("database read failed: " + trimmed_message(PQerrorMessage(conn_)));
      }
    }
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) break;
    auto status = PQresultStatus(raw);
    if (status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR) {
      if (error.raw() == nullptr)
        error = Result(raw);
      else
        PQclear(raw);
    } else {
      outcome = Result(raw);
    }
  }
  disarm_deadline();
  if (PQstatus(conn_) != CONNECTION_OK) {
    fail_unavailable("database connection lost: " + trimmed_message(PQerrorMessage(conn_)));
  }
  // Keep the first error: it is the cause; later ones are consequences.
  if (PGresult* failed = error.raw()) {
    std::string sqlstate = field(failed, PG_DIAG_SQLSTATE);
    std::string message = field(failed, PG_DIAG_MESSAGE_PRIMARY);
    const std::string severity = field(failed, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity == "FATAL" || severity == "PANIC") {
      // The session is ending (terminated, server shutting down). A backend terminated
      // while it waited for a synchronous standby has already committed locally, so a
      // FATAL answer to a write does not mean it was not applied.
      fail_unavailable("database session ended: " + message);
    }
    // The whole answer is in: whatever it says, the outcome is known.
    awaiting_answer_ = false;
    if (is_unavailable_sqlstate(sqlstate)) {
      broken_ = sqlstate != "57014";  // a statement timeout leaves the connection usable
      throw DbUnavailable("database unavailable: " + message);
    }
    throw DbError(message, sqlstate, field(failed, PG_DIAG_CONSTRAINT_NAME));
  }
  awaiting_answer_ = false;
  co_return outcome;
}

}  // namespace db
