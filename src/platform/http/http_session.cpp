#include "platform/http/http_session.hpp"

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "platform/http/access_log.hpp"
#include "platform/http/dispatch.hpp"
#include "platform/http/response_writer.hpp"

namespace http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::array<std::uint8_t, 16> peer_address_of(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return {};
  auto address = endpoint.address();
  if (address.is_v4())
    return asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

bool is_quiet_disconnect(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::eof || ec == asio::error::bad_descriptor ||
         ec == bhttp::error::partial_message;
}

// 503 and close: for a connection over the limit or a request after the drain began.
asio::awaitable<void> refuse(const SessionShared& shared, beast::tcp_stream& stream,
                             std::string_view detail) {
  auto response = problem(503, "UNAVAILABLE", detail);
  response.headers.emplace_back("Retry-After", "1");
  co_await write_response(stream, std::move(response), shared.request_ids.make({}), false, 11,
                          shared.options.write_timeout);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
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

// A request that could not be read (too large, malformed): answer, then close gently.
asio::awaitable<void> reject_unreadable(const ServerLoop& loop, const SessionShared& shared,
                                        beast::tcp_stream& stream,
                                        const boost::system::error_code& ec) {
  const ServerOptions& options = shared.options;
  Response response;
  if (ec == bhttp::error::body_limit) {
    response = problem(413, "PAYLOAD_TOO_LARGE",
                       fmt::format("the body is over {} bytes", options.max_body_bytes));
  } else if (ec == bhttp::error::header_limit) {
    response = problem(431, "INVALID_REQUEST", "the request line or headers are too large");
  } else {
    response = problem(400, "INVALID_REQUEST", "malformed HTTP request: " + ec.message());
  }
  auto request_id = shared.request_ids.make({});
  auto started = std::chrono::steady_clock::now();
  const int status = response.status;
  const auto bytes = response.body.size();
  co_await write_response(stream, std::move(response), request_id, false, 11,
                          options.write_timeout);
  if (options.observe) {
    options.observe(loop.index, "-", kUnmatchedRoute, status,
                    std::chrono::steady_clock::now() - started);
  }
  if (options.access_log) log_access(request_id, "-", "-", started, bytes, status);
  co_await linger_close(stream);
}

asio::awaitable<void> serve_requests(ServerLoop& loop, const SessionShared& shared,
                                     beast::tcp_stream& stream, TrackedConnection& connection) {
  const ServerOptions& options = shared.options;
  beast::flat_buffer buffer;
  while (!shared.shutting_down.load()) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    if (connection.busy) connection.idle_since = std::chrono::steady_clock::now();
    connection.busy = false;
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
    connection.busy = true;  // a whole header is in: a drain lets the request finish
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
      co_await reject_unreadable(loop, shared, stream, ec);
      co_return;
    }
    auto pass = loop.requests.try_enter();
    if (!pass) {
      // Read after the drain began: answered, never dropped.
      co_await refuse(shared, stream, "the server is shutting down; retry on another instance");
      co_return;
    }
    auto& message = parser.get();
    const bool keep_alive = message.keep_alive();
    auto started = std::chrono::steady_clock::now();
    std::string request_id = shared.request_ids.make(message["X-Request-Id"]);
    std::string_view route = kUnmatchedRoute;
    Response response = co_await dispatch(*loop.router, options, connection.peer_address, message,
                                          request_id, route);
    const bool keep_open = keep_alive && !shared.shutting_down.load();
    const int status = response.status;
    const auto bytes = response.body.size();
    co_await write_response(stream, std::move(response), request_id, keep_open, message.version(),
                            options.write_timeout);
    if (options.observe) {
      options.observe(loop.index, message.method_string(), route, status,
                      std::chrono::steady_clock::now() - started);
    }
    if (options.access_log) {
      log_access(request_id, message.method_string(), message.target(), started, bytes, status);
    }
    if (!keep_open || !stream.socket().is_open()) co_return;
  }
}

}  // namespace

asio::awaitable<void> serve_connection(ServerLoop& loop, const SessionShared& shared,
                                       tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  TrackedConnection connection{&stream};
  connection.peer_address = peer_address_of(stream.socket());
  connection.client = ClientConnections::client_of(connection.peer_address);
  if (auto refusal = loop.connections.admit(connection)) {
    co_await refuse(shared, stream, *refusal);
    co_return;
  }
  shared.open_connections.fetch_add(1);
  try {
    co_await serve_requests(loop, shared, stream, connection);
  } catch (const std::exception& error) {
    spdlog::error("msg=\"connection failed\" error=\"{}\"", error.what());
  }
  loop.connections.leave(connection);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
  shared.open_connections.fetch_sub(1);
}

}  // namespace http
