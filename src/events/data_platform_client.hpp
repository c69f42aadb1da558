#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "events/event_sink.hpp"
#include "events/platform_url.hpp"

namespace events {

struct DataPlatformClientOptions {
  std::chrono::milliseconds connect_timeout{2000};
  // One deadline on a whole delivery attempt: name resolution, connecting, the TLS
  // handshake, the request (and its one resend on a fresh connection) and the answer.
  std::chrono::milliseconds attempt_timeout{5000};
  std::size_t max_idle_connections = 16;
  // DATA_PLATFORM_SECRET: when set, every attempt carries a fresh X-Signature header.
  std::string signing_secret;
  // DATA_PLATFORM_CA_FILE, for an https:// URL: the PEM certificates trusted; empty: the
  // system's trust store.
  std::string ca_file;
};

// POSTs events to the data platform over HTTP/1.1, or over TLS for an https:// URL (the
// certificate and host name verified: a handshake that fails is a failed attempt, never a
// delivery), reusing keep-alive connections.
// Lives on one event loop (not thread-safe); any number of posts may run at once, each on
// its own connection.
class DataPlatformClient {
 public:
  // Throws config::ConfigError when an https:// URL's CA file cannot be loaded.
  DataPlatformClient(boost::asio::any_io_executor executor, PlatformUrl url,
                     DataPlatformClientOptions options);
  ~DataPlatformClient();
  DataPlatformClient(const DataPlatformClient&) = delete;
  DataPlatformClient& operator=(const DataPlatformClient&) = delete;

  // Never throws for network or HTTP failures: they are reported in the outcome.
  boost::asio::awaitable<DeliveryOutcome> post(std::string_view idempotency_key,
                                               std::string_view json_body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace events
