#include "events/data_platform_client.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "events/event_signature.hpp"
#include "events/tls_client_context.hpp"

namespace events {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// The platform's answer is only looked at for its status; anything bigger is a failure.
constexpr std::uint64_t kMaxResponseBody = 64 * 1024;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string describe(const boost::system::error_code& ec) {
  return ec == beast::error::timeout ? "timed out" : ec.message();
}

// One connection to the platform: plain TCP for http://, TLS over it for https://.
struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> tls;

  // Where the deadline lives: a TLS stream's reads and writes are the TCP stream's.
  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

struct Answer {
  boost::system::error_code ec;
  std::string_view stage;  // where ec happened: "write" or "read"
  unsigned status = 0;
  bool keep_alive = false;
};

using BeastRequest = bhttp::request<bhttp::string_body>;

// One request and its answer on `stream`, under the deadline already set on its TCP layer.
template <class Stream>
awaitable<Answer> send_and_read(Stream& stream, const BeastRequest& request) {
  Answer answer;
  answer.stage = "write";
  auto [write_ec, written] = co_await bhttp::async_write(stream, request, kAsTuple);
  answer.ec = write_ec;
  if (answer.ec) co_return answer;
  answer.stage = "read";
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
  answer.ec = read_ec;
  if (answer.ec) co_return answer;
  answer.status = parser.get().result_int();
  answer.keep_alive = parser.get().keep_alive();
  co_return answer;
}

}  // namespace

struct DataPlatformClient::Impl {
  using Stream = std::unique_ptr<Connection>;

  Impl(asio::any_io_executor executor, PlatformUrl url, DataPlatformClientOptions options)
      : executor(std::move(executor)), url(std::move(url)), options(std::move(options)) {
    if (this->url.tls) tls_context = make_tls_client_context(this->options.ca_file);
  }

  asio::any_io_executor executor;
  PlatformUrl url;
  DataPlatformClientOptions options;
  std::shared_ptr<asio::ssl::context> tls_context;  // https:// only
  std::vector<Stream> idle;                         // most recently used last

  // getaddrinfo runs on Asio's resolver thread and cannot be interrupted (cancel() only
  // stops a resolution that has not started): past the deadline the attempt stops waiting
  // and leaves the resolution to finish on its own, holding only this shared state.
  struct Resolution {
    explicit Resolution(asio::any_io_executor executor) : resolver(executor), done(executor) {}
    tcp::resolver resolver;
    asio::steady_timer done;
    boost::system::error_code ec;
    tcp::resolver::results_type endpoints;
    bool finished = false;
  };

  awaitable<Stream> connect(Clock::time_point deadline, std::string& error) {
    auto resolution = std::make_shared<Resolution>(executor);
    resolution->done.expires_at(deadline);
    resolution->resolver.async_resolve(
        url.host, std::to_string(url.port),
        [resolution](boost::system::error_code ec, tcp::resolver::results_type endpoints) {
          resolution->ec = ec;
          resolution->endpoints = std::move(endpoints);
          resolution->finished = true;
          resolution->done.cancel();
        });
    co_await resolution->done.async_wait(kAsTuple);
    if (!resolution->finished) {
      resolution->resolver.cancel();
      error = fmt::format("resolve {}: timed out", url.host);
      co_return nullptr;
    }
    if (resolution->ec) {
      error = fmt::format("resolve {}: {}", url.host, resolution->ec.message());
      co_return nullptr;
    }
    const auto& endpoints = resolution->endpoints;
    auto stream = std::make_unique<beast::tcp_stream>(executor);
    stream->expires_at(std::min(deadline, Clock::now() + options.connect_timeout));
    auto [connect_ec, endpoint] = co_await stream->async_connect(endpoints, kAsTuple);
    if (connect_ec) {
      error = fmt::format("connect {}:{}: {}", url.host, url.port, describe(connect_ec));
      co_return nullptr;
    }
    boost::system::error_code ignored;
    stream->socket().set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_unique<Connection>();
    if (!url.tls) {
      connection->plain = std::move(stream);
      co_return connection;
    }
    connection->tls = std::make_unique<TlsStream>(std::move(*stream), *tls_context);
    if (!expect_peer_host(connection->tls->native_handle(), url.host)) {
      error = fmt::format("TLS {}: cannot check the certificate for this host", url.host);
      co_return nullptr;
    }
    connection->tcp().expires_at(deadline);
    auto [handshake_ec] =
        co_await connection->tls->async_handshake(asio::ssl::stream_base::client, kAsTuple);
    if (handshake_ec) {
      // A certificate that does not verify ends here: nothing was sent.
      const std::string why = certificate_error(connection->tls->native_handle());
      error =
          fmt::format("TLS handshake with {}:{}: {}", url.host, url.port,
                      why.empty() ? describe(handshake_ec) : "certificate not verified: " + why);
      co_return nullptr;
    }
    co_return connection;
  }

  awaitable<DeliveryOutcome> post(std::string_view idempotency_key, std::string_view body) {
    BeastRequest request{bhttp::verb::post, url.target, 11};
    request.set(bhttp::field::host, url.host_header);
    request.set(bhttp::field::content_type, "application/json");
    request.set(bhttp::field::user_agent, "ecommerce-outbox-relay");
    request.set("Idempotency-Key", idempotency_key);
    request.keep_alive(true);
    request.body() = std::string(body);
    request.prepare_payload();

    const auto deadline = Clock::now() + options.attempt_timeout;
    for (int attempt = 1;; ++attempt) {
      Stream stream;
      const bool reused = !idle.empty();
      if (reused) {
        stream = std::move(idle.back());
        idle.pop_back();
      } else {
        std::string error;
        stream = co_await connect(deadline, error);
        if (!stream) co_return DeliveryOutcome{false, true, std::move(error)};
      }

      if (!options.signing_secret.empty()) {
        // Signed per attempt: the platform may refuse a stale t.
        request.set("X-Signature", event_signature(options.signing_secret, unix_now(), body));
      }
      stream->tcp().expires_at(deadline);
      Answer answer;
      // Two statements, not a conditional expression: g++ 12 mis-destroys temporaries that
      // share a full-expression with a co_await.
      if (stream->tls) {
        answer = co_await send_and_read(*stream->tls, request);
      } else {
        answer = co_await send_and_read(*stream->plain, request);
      }
      const boost::system::error_code ec = answer.ec;
      if (!ec) {
        stream->tcp().expires_never();  // an expired timer would cut the idle connection
        if (answer.keep_alive && idle.size() < options.max_idle_connections) {
          idle.push_back(std::move(stream));
        }
        const unsigned status = answer.status;
        if (status >= 200 && status < 300) co_return DeliveryOutcome{true, false, {}};
        const bool unavailable = status >= 500 || status == 408 || status == 429;
        co_return DeliveryOutcome{false, unavailable, fmt::format("HTTP {}", status)};
      }
      // A kept-alive connection that the platform closed while it sat idle fails at once.
      // The others probably went the same way (e.g. the platform restarted): drop them and
      // try once more on a fresh connection. Resending is safe: delivery is at-least-once
      // and the platform de-duplicates by Idempotency-Key.
      if (reused && attempt == 1 && ec != beast::error::timeout && Clock::now() < deadline) {
        idle.clear();
        continue;
      }
      co_return DeliveryOutcome{false, true, fmt::format("{}: {}", answer.stage, describe(ec))};
    }
  }
};

DataPlatformClient::DataPlatformClient(asio::any_io_executor executor, PlatformUrl url,
                                       DataPlatformClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(url), std::move(options))) {}

DataPlatformClient::~DataPlatformClient() = default;

awaitable<DeliveryOutcome> DataPlatformClient::post(std::string_view idempotency_key,
                                                    std::string_view json_body) {
  return impl_->post(idempotency_key, json_body);
}

}  // namespace events
