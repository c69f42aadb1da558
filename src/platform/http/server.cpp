#include "platform/http/server.hpp"

#include <array>
#include <iterator>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "platform/db/errors.hpp"
#include "platform/http/api_error.hpp"
#include "platform/http/canonical_path.hpp"
#include "platform/http/client_connections.hpp"
#include "platform/json/input.hpp"
#include "platform/lifecycle/gate.hpp"

namespace http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

Method to_method(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::get;
    case bhttp::verb::post:
      return Method::post;
    case bhttp::verb::put:
      return Method::put;
    case bhttp::verb::patch:
      return Method::patch;
    case bhttp::verb::delete_:
      return Method::del;
    case bhttp::verb::head:
      return Method::head;
    case bhttp::verb::options:
      return Method::options;
    default:
      return Method::other;
  }
}

// Client-supplied request ids are echoed only when they are short and plain.
bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

std::array<std::uint8_t, 16> peer_address_of(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return {};
  auto address = endpoint.address();
  if (address.is_v4())
    return asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

// The metrics label of requests no route took (404, 405, unreadable).
constexpr std::string_view kUnmatchedRoute = "unmatched";

bool is_quiet_disconnect(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::eof || ec == asio::error::bad_descriptor ||
         ec == bhttp::error::partial_message;
}

}  // namespace

struct Server::Impl {
  struct Session {
    beast::tcp_stream* stream;
    bool busy = false;
    std::array<std::uint8_t, 16> peer_address{};  // IPv6 bytes, IPv4 mapped
    ClientConnections::Client client{};
    // Since when the connection waits for a request (accepted, or its last answer written).
    std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();
    // Its slots (the loop's and the client's) are given back: it ended, or was closed to
    // make room for a newer connection and is ending.
    bool released = false;
  };
  struct Loop {
    asio::io_context* context;
    const Router* router;
    std::size_t index = 0;
    std::list<Session*> sessions;   // oldest first, released ones included until they end
    std::size_t open_sessions = 0;  // those not released
    std::size_t max_sessions = 0;   // this loop's share of max_connections
    std::unique_ptr<lifecycle::Gate> requests;  // requests in flight on this loop
    std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  };

  Impl(Server& server, ServerOptions options, std::vector<LoopRoutes> routes)
      : owner(server),
        options(std::move(options)),
        clients(this->options.max_connections_per_client > 0
                    ? this->options.max_connections_per_client
                    : this->options.max_connections / 10),
        acceptor(*routes.front().loop) {
    for (const auto& route : routes) {
      auto loop = std::make_unique<Loop>();
      loop->context = route.loop;
      loop->router = route.router;
      loop->index = loops.size();
      loop->max_sessions = std::max<std::size_t>(
          1, (this->options.max_connections + routes.size() - 1) / routes.size());
      loop->requests = std::make_unique<lifecycle::Gate>(route.loop->get_executor());
      loop->keep_running =
          std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
              route.loop->get_executor());
      loops.push_back(std::move(loop));
    }
    std::random_device entropy;
    request_id_prefix = entropy();
  }

  asio::awaitable<void> accept_connections() {
    std::size_t next = 0;
    for (;;) {
      Loop& target = *loops[next++ % loops.size()];
      auto [ec, socket] =
          co_await acceptor.async_accept(asio::any_io_executor(target.context->get_executor()),
                                         asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
        spdlog::warn("msg=\"accept failed\" error=\"{}\"", ec.message());
        // Out of descriptors or similar: pause instead of spinning.
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(*target.context, serve_connection(target, std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve_connection(Loop& loop, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    Session session{&stream};
    session.peer_address = peer_address_of(stream.socket());
    session.client = ClientConnections::client_of(session.peer_address);
    if (auto refusal = take_slots(loop, session)) {
      co_await refuse(stream, *refusal);
      co_return;
    }
    auto position = loop.sessions.insert(loop.sessions.end(), &session);
    owner.active_sessions_.fetch_add(1);
    try {
      co_await serve_requests(loop, stream, session);
    } catch (const std::exception& error) {
      spdlog::error("msg=\"connection failed\" error=\"{}\"", error.what());
    }
    release(loop, session);
    loop.sessions.erase(position);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
    owner.active_sessions_.fetch_sub(1);
  }

  // Admission control, as nginx and Envoy do it. A client at its own limit makes room by
  // giving up its longest-idle keep-alive on this loop; a loop at its share of the server's
  // limit closes its longest-idle keep-alive, whoever holds it. Only when nothing is idle is
  // the newest connection refused: the answer (503) is returned, nothing taken. Busy
  // connections are never closed, and descriptors stay within the process limit.
  std::optional<std::string_view> take_slots(Loop& loop, Session& session) {
    const auto of_this_client = [&session](const Session& other) {
      return other.client == session.client;
    };
    if (!clients.try_open(session.client)) {
      if (!close_longest_idle(loop, of_this_client) || !clients.try_open(session.client)) {
        return "this client has too many open connections; reuse or close one";
      }
    }
    if (loop.open_sessions >= loop.max_sessions &&
        !close_longest_idle(loop, [](const Session&) { return true; })) {
      clients.close(session.client);
      return "the server has too many open connections; retry later";
    }
    ++loop.open_sessions;
    return std::nullopt;
  }

  // Gives back a connection's slots, once.
  void release(Loop& loop, Session& session) {
    if (session.released) return;
    session.released = true;
    --loop.open_sessions;
    clients.close(session.client);
  }

  // Closes the connection of this loop that `eligible` accepts and that has waited longest
  // for a request, releasing its slots at once (its coroutine ends on its own). False when
  // none waits.
  template <typename Eligible>
  bool close_longest_idle(Loop& loop, Eligible eligible) {
    Session* longest = nullptr;
    for (Session* session : loop.sessions) {
      if (session->busy || session->released || !eligible(*session)) continue;
      if (!longest || session->idle_since < longest->idle_since) longest = session;
    }
    if (!longest) return false;
    release(loop, *longest);
    boost::system::error_code ignored;
    longest->stream->socket().cancel(ignored);
    longest->stream->socket().close(ignored);
    return true;
  }

  asio::awaitable<void> serve_requests(Loop& loop, beast::tcp_stream& stream, Session& session) {
    beast::flat_buffer buffer;
    while (!shutting_down.load()) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      if (session.busy) session.idle_since = std::chrono::steady_clock::now();
      session.busy = false;
      // Reset before every operation: a tcp_stream deadline applies until set again.
      // Keep-alive idle lasts until a request's first byte; from there the whole request
      // has header_timeout, so a client trickling half a header cannot hold a connection
      // (and a descriptor) for the idle budget.
      // Only the first byte is read here: with a partly parsed header in the buffer,
      // Beast's parser applies header_limit to the unparsed rest only.
      if (buffer.size() == 0) {
        stream.expires_after(options.idle_timeout);
        auto [first_ec, first] =
            co_await stream.async_read_some(buffer.prepare(1), asio::as_tuple(asio::use_awaitable));
        if (first_ec) co_return;  // closed, reset or idle too long: nothing to answer
        buffer.commit(first);
      }
      stream.expires_after(options.header_timeout);
      auto [ec, read] = co_await bhttp::async_read_header(stream, buffer, parser,
                                                          asio::as_tuple(asio::use_awaitable));
      session.busy = true;  // a whole header is in: a drain lets the request finish
      if (!ec && parser.get()[bhttp::field::expect] == "100-continue" && !parser.is_done()) {
        bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, 11};
        stream.expires_after(options.write_timeout);
        std::tie(ec, read) =
            co_await bhttp::async_write(stream, proceed, asio::as_tuple(asio::use_awaitable));
      }
      if (!ec && !parser.is_done()) {
        stream.expires_after(options.header_timeout);
        std::tie(ec, read) =
            co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      }
      if (ec) {
        if (is_quiet_disconnect(ec)) co_return;
        co_await reject_unreadable(loop, stream, ec);
        co_return;
      }
      auto pass = loop.requests->try_enter();
      if (!pass) {
        // Read after the drain began: answered, never dropped.
        co_await refuse(stream, "the server is shutting down; retry on another instance");
        co_return;
      }
      auto& message = parser.get();
      const bool keep_alive = message.keep_alive();
      auto started = std::chrono::steady_clock::now();
      std::string request_id = make_request_id(message["X-Request-Id"]);
      std::string_view route = kUnmatchedRoute;
      Response response = co_await respond(loop, session, message, request_id, route);
      const bool keep_open = keep_alive && !shutting_down.load();
      const int status = response.status;
      const auto bytes = response.body.size();
      co_await write_response(stream, std::move(response), request_id, keep_open,
                              message.version());
      if (options.observe) {
        options.observe(loop.index, message.method_string(), route, status,
                        std::chrono::steady_clock::now() - started);
      }
      log_access(request_id, message.method_string(), message.target(), started, bytes, status);
      if (!keep_open || !stream.socket().is_open()) co_return;
    }
  }

  std::string make_request_id(std::string_view supplied) {
    if (acceptable_request_id(supplied)) return std::string(supplied);
    return fmt::format("{:08x}-{:x}", request_id_prefix,
                       next_request_number.fetch_add(1, std::memory_order_relaxed) + 1);
  }

  // `route` is set to the matched route's pattern.
  asio::awaitable<Response> respond(Loop& loop, const Session& session,
                                    bhttp::request<bhttp::string_body>& message,
                                    const std::string& request_id, std::string_view& route) {
    Request request;
    request.method = to_method(message.method());
    request.request_id = request_id;
    request.peer_address = session.peer_address;
    request.body = message.body();
    auto target = boost::urls::parse_origin_form(message.target());
    if (!target) co_return problem(400, "INVALID_REQUEST", "the request target is not a valid URL");
    for (auto param : target->params()) request.query.emplace_back(param.key, param.value);
    for (const auto& field : message)
      request.headers.emplace_back(field.name_string(), field.value());
    // Every policy below sees the one spelling of the path the router matches on.
    auto canonical = canonical_path(target->encoded_path());
    if (!canonical) {
      co_return problem(404, "NOT_FOUND", "no route has a '..' segment, an encoded '/' or a NUL");
    }
    request.path = std::move(*canonical);
    auto match = loop.router->match(request.method, request.path);
    if (match.kind == Router::Match::Kind::found) request.route = match.pattern;
    const RequestPolicy* policy = options.policy;
    if (policy) {
      if (auto refused = policy->admit(request)) co_return std::move(*refused);
    }
    if (match.kind == Router::Match::Kind::not_found) {
      co_return problem(404, "NOT_FOUND", fmt::format("no route for {}", request.path));
    }
    if (match.kind == Router::Match::Kind::method_not_allowed) {
      auto response = problem(405, "METHOD_NOT_ALLOWED",
                              fmt::format("{} is not allowed here", message.method_string()));
      response.headers.emplace_back("Allow", match.allow);
      co_return response;
    }
    request.params = std::move(match.params);
    route = match.pattern;
    if (policy) {
      if (auto refused = policy->authorize(request, match.access)) co_return std::move(*refused);
    }
    if (!request.body.empty() && !json_input::is_json_media_type(request.header("Content-Type"))) {
      co_return problem(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json");
    }
    try {
      co_return co_await (*match.handler)(request);
    } catch (const ApiError& error) {
      co_return problem(error.status(), error.code(), error.what());
    } catch (const db::DbUnavailable& error) {
      spdlog::warn("request_id={} msg=\"database unavailable\" error=\"{}\"", request_id,
                   error.what());
      co_return problem(503, "UNAVAILABLE", "the database is unavailable; retry later");
    } catch (const db::DbOutcomeUnknown& error) {
      // Every answer is true: the write may have been applied, so not a "safe to retry" 503.
      spdlog::error("request_id={} msg=\"write outcome unknown\" error=\"{}\"", request_id,
                    error.what());
      co_return problem(504, "OUTCOME_UNKNOWN",
                        "the database did not confirm whether this write was applied; retry "
                        "with the same Idempotency-Key, or read the resource, to learn it");
    } catch (const db::DbError& error) {
      if (!error.is_lock_timeout()) {
        spdlog::error("request_id={} msg=\"unhandled database error\" error=\"{}\"", request_id,
                      error.what());
        co_return problem(500, "INTERNAL", fmt::format("internal error (request {})", request_id));
      }
      // The request's deadline passed while it waited for a row lock (REQUEST_DEADLINE_MS).
      spdlog::warn("request_id={} msg=\"lock wait past the request deadline\"", request_id);
      co_return problem(503, "UNAVAILABLE", "the data is busy; retry later");
    } catch (const std::exception& error) {
      spdlog::error("request_id={} msg=\"unhandled error\" error=\"{}\"", request_id, error.what());
      co_return problem(500, "INTERNAL", fmt::format("internal error (request {})", request_id));
    }
  }

  // The head is written by hand and sent with the body in one gathered write: Beast's
  // serializer (buffers_cat views over the fields) was the largest single cost left on the
  // /health path. Header names and values come from this code, never from a client.
  asio::awaitable<void> write_response(beast::tcp_stream& stream, Response response,
                                       std::string_view request_id, bool keep_open,
                                       unsigned version) {
    std::string head;
    head.reserve(192 + response.headers.size() * 48);
    const auto status = static_cast<bhttp::status>(response.status);
    fmt::format_to(std::back_inserter(head), "HTTP/1.{} {} {}\r\nContent-Type: {}\r\n",
                   version == 10 ? 0 : 1, response.status, bhttp::obsolete_reason(status),
                   response.content_type);
    fmt::format_to(std::back_inserter(head), "X-Request-Id: {}\r\n", request_id);
    for (const auto& [name, value] : response.headers) {
      fmt::format_to(std::back_inserter(head), "{}: {}\r\n", name, value);
    }
    // HTTP/1.1 stays open unless told otherwise; HTTP/1.0 closes unless told otherwise.
    if (version >= 11 && !keep_open) head += "Connection: close\r\n";
    if (version < 11 && keep_open) head += "Connection: keep-alive\r\n";
    // 1xx, 204 and 304 answers have no body and no Content-Length.
    const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
    if (bodiless) {
      response.body.clear();
    } else {
      fmt::format_to(std::back_inserter(head), "Content-Length: {}\r\n", response.body.size());
    }
    head += "\r\n";
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head),
                                                    asio::buffer(response.body)};
    stream.expires_after(options.write_timeout);
    auto [ec, written] =
        co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      boost::system::error_code ignored;
      stream.socket().close(ignored);
    }
  }

  // 503 and close: for a connection over the limit or a request after the drain began.
  asio::awaitable<void> refuse(beast::tcp_stream& stream, std::string_view detail) {
    auto response = problem(503, "UNAVAILABLE", detail);
    response.headers.emplace_back("Retry-After", "1");
    co_await write_response(stream, std::move(response), make_request_id({}), false, 11);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
  }

  // A request that could not be read (too large, malformed): answer, then close gently.
  asio::awaitable<void> reject_unreadable(Loop& loop, beast::tcp_stream& stream,
                                          const boost::system::error_code& ec) {
    Response response;
    if (ec == bhttp::error::body_limit) {
      response = problem(413, "PAYLOAD_TOO_LARGE",
                         fmt::format("the body is over {} bytes", options.max_body_bytes));
    } else if (ec == bhttp::error::header_limit) {
      response = problem(431, "INVALID_REQUEST", "the request line or headers are too large");
    } else {
      response = problem(400, "INVALID_REQUEST", "malformed HTTP request: " + ec.message());
    }
    auto request_id = make_request_id({});
    auto started = std::chrono::steady_clock::now();
    const int status = response.status;
    const auto bytes = response.body.size();
    co_await write_response(stream, std::move(response), request_id, false, 11);
    if (options.observe) {
      options.observe(loop.index, "-", kUnmatchedRoute, status,
                      std::chrono::steady_clock::now() - started);
    }
    log_access(request_id, "-", "-", started, bytes, status);
    co_await linger_close(stream);
  }

  // Closing with unread request bytes makes the kernel send RST, which can destroy the
  // error response before the client reads it; drain a bounded amount first.
  asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 16 * 1024> sink{};
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (drained < 4 * 1024 * 1024) {
      auto [ec, n] =
          co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      drained += n;
    }
  }

  void log_access(std::string_view request_id, std::string_view method, std::string_view target,
                  std::chrono::steady_clock::time_point started, std::size_t bytes, int status) {
    if (!options.access_log) return;
    auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    // The target is shown without its query string: it may carry ids worth keeping out of logs.
    auto path = target.substr(0, target.find('?'));
    spdlog::info("request_id={} method={} path={} status={} duration_ms={:.3f} bytes={}",
                 request_id, method, path, status, elapsed.count(), bytes);
  }

  void close_sessions(Loop& loop, bool busy_too) {
    for (Session* session : loop.sessions) {
      if (session->busy && !busy_too) continue;
      boost::system::error_code ignored;
      session->stream->socket().cancel(ignored);
      session->stream->socket().close(ignored);
    }
  }

  asio::awaitable<void> drain_then_stop() {
    asio::steady_timer tick(*loops.front()->context);
    auto pause = [&tick]() -> asio::awaitable<void> {
      tick.expires_after(std::chrono::milliseconds(20));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    };
    const auto deadline = std::chrono::steady_clock::now() + options.drain_timeout;
    // Each loop closes its gate on its own thread: requests in flight finish and answer
    // (their connections then close), requests read from now on get 503.
    auto gates_open = std::make_shared<std::atomic<std::size_t>>(loops.size());
    for (auto& loop : loops) {
      asio::co_spawn(
          *loop->context,
          [gate = loop->requests.get(), deadline, gates_open]() -> asio::awaitable<void> {
            co_await gate->close(deadline - std::chrono::steady_clock::now());
            gates_open->fetch_sub(1);
          },
          asio::detached);
    }
    while ((owner.active_sessions_.load() > 0 || gates_open->load() > 0) &&
           std::chrono::steady_clock::now() < deadline) {
      for (auto& loop : loops) {
        asio::post(*loop->context, [this, raw = loop.get()] { close_sessions(*raw, false); });
      }
      co_await pause();
    }
    if (owner.active_sessions_.load() > 0) {
      spdlog::warn(
          "msg=\"shutdown deadline passed; closing the remaining connections\" "
          "open_connections={}",
          owner.active_sessions_.load());
      for (auto& loop : loops) {
        asio::post(*loop->context, [this, raw = loop.get()] { close_sessions(*raw, true); });
      }
    }
    while (gates_open->load() > 0) co_await pause();
    if (before_loops_end) {
      try {
        co_await before_loops_end();
      } catch (const std::exception& error) {
        spdlog::error("msg=\"stopping background work failed\" error=\"{}\"", error.what());
      }
    }
    // Nothing new starts now; each loop returns from run() once its last handler is done.
    for (auto& loop : loops) loop->keep_running.reset();
  }

  Server& owner;
  ServerOptions options;
  std::function<asio::awaitable<void>()> before_loops_end;
  ClientConnections clients;
  tcp::acceptor acceptor;
  std::vector<std::unique_ptr<Loop>> loops;
  std::atomic<bool> shutting_down{false};
  std::uint32_t request_id_prefix = 0;  // random per process, so ids differ across instances
  std::atomic<std::uint64_t> next_request_number{0};
};

Server::Server(ServerOptions options, std::vector<LoopRoutes> loops)
    : impl_(std::make_unique<Impl>(*this, std::move(options), std::move(loops))) {}

Server::~Server() = default;

std::uint16_t Server::listen() {
  auto& acceptor = impl_->acceptor;
  tcp::endpoint endpoint(asio::ip::make_address(impl_->options.address), impl_->options.port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(acceptor.get_executor(), impl_->accept_connections(), asio::detached);
  return acceptor.local_endpoint().port();
}

void Server::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->loops.size(); ++i) {
    threads.emplace_back([context = impl_->loops[i]->context] { context->run(); });
  }
  impl_->loops.front()->context->run();
  for (auto& thread : threads) thread.join();
}

void Server::set_before_loops_end(std::function<asio::awaitable<void>()> step) {
  impl_->before_loops_end = std::move(step);
}

void Server::shutdown() {
  if (impl_->shutting_down.exchange(true)) return;
  auto& first = *impl_->loops.front()->context;
  asio::post(first, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    asio::co_spawn(*impl->loops.front()->context, impl->drain_then_stop(), asio::detached);
  });
}

}  // namespace http
