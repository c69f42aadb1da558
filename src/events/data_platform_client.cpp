#include "events/data_platform_client.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "events/event_signature.hpp"

namespace events {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;

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

}  // namespace

struct DataPlatformClient::Impl {
  using Stream = std::unique_ptr<beast::tcp_stream>;

  asio::any_io_executor executor;
  PlatformUrl url;
  DataPlatformClientOptions options;
  std::vector<Stream> idle;  // most recently used last

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
    co_return stream;
  }

  awaitable<DeliveryOutcome> post(std::string_view idempotency_key, std::string_view body) {
    bhttp::request<bhttp::string_body> request{bhttp::verb::post, url.target, 11};
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
      stream->expires_at(deadline);
      std::string_view stage = "write";
      auto [write_ec, written] = co_await bhttp::async_write(*stream, request, kAsTuple);
      boost::system::error_code ec = write_ec;
      if (!ec) {
        stage = "read";
        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(kMaxResponseBody);
        auto [read_ec, read] = co_await bhttp::async_read(*stream, buffer, parser, kAsTuple);
        ec = read_ec;
        if (!ec) {
          const auto& response = parser.get();
          stream->expires_never();  // an expired timer would cut the idle connection
          if (response.keep_alive() && idle.size() < options.max_idle_connections) {
            idle.push_back(std::move(stream));
          }
          const unsigned status = response.result_int();
          if (status >= 200 && status < 300) co_return DeliveryOutcome{true, false, {}};
          const bool unavailable = status >= 500 || status == 408 || status == 429;
          co_return DeliveryOutcome{false, unavailable, fmt::format("HTTP {}", status)};
        }
      }
      // A kept-alive connection that the platform closed while it sat idle fails at once.
      // The others probably went the same way (e.g. the platform restarted): drop them and
      // try once more on a fresh connection. Resending is safe: delivery is at-least-once
      // and the platform de-duplicates by Idempotency-Key.
      if (reused && attempt == 1 && ec != beast::error::timeout && Clock::now() < deadline) {
        idle.clear();
        continue;
      }
      co_return DeliveryOutcome{false, true, fmt::format("{}: {}", stage, describe(ec))};
    }
  }
};

DataPlatformClient::DataPlatformClient(asio::any_io_executor executor, PlatformUrl url,
                                       DataPlatformClientOptions options)
    : impl_(std::make_unique<Impl>(Impl{executor, std::move(url), options, {}})) {}

DataPlatformClient::~DataPlatformClient() = default;

awaitable<DeliveryOutcome> DataPlatformClient::post(std::string_view idempotency_key,
                                                    std::string_view json_body) {
  return impl_->post(idempotency_key, json_body);
}

}  // namespace events
