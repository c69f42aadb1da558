#include "events/event_sinks.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "events/data_platform_client.hpp"
#include "events/nats_sink.hpp"

namespace events {

namespace {

using std::chrono::milliseconds;

// The HTTP POST sink: DataPlatformClient behind the sink interface.
class HttpSink final : public EventSink {
 public:
  HttpSink(boost::asio::any_io_executor executor, PlatformUrl url,
           DataPlatformClientOptions options)
      : url_(std::move(url)), options_(options), client_(executor, url_, options) {}

  boost::asio::awaitable<DeliveryOutcome> deliver(std::string_view event_id,
                                                  std::string_view json_body) override {
    return client_.post(event_id, json_body);
  }

  // The client holds the whole attempt, connect and name resolution included, to this.
  milliseconds attempt_budget() const override { return options_.attempt_timeout; }

  std::string describe() const override {
    return fmt::format("{}://{}{}", url_.tls ? "https" : "http", url_.host_header, url_.target);
  }

 private:
  PlatformUrl url_;
  DataPlatformClientOptions options_;
  DataPlatformClient client_;
};

}  // namespace

SinkUrl parse_sink_url(std::string_view url) {
  if (is_nats_url(url)) return parse_nats_url(url);
  return parse_platform_url(url);
}

std::unique_ptr<EventSink> make_event_sink(const SinkUrl& url,
                                           boost::asio::any_io_executor executor,
                                           milliseconds lease, int max_in_flight,
                                           const std::string& signing_secret,
                                           const std::string& ca_file) {
  // A delivery must be able to finish within the lease, or another relay could send the
  // event again while this one is still waiting for the answer.
  const auto connect_timeout = std::min(milliseconds(2000), lease / 4);
  const auto answer_timeout = std::min(milliseconds(5000), lease / 2);
  if (const auto* nats = std::get_if<NatsUrl>(&url)) {
    NatsSinkOptions options;
    options.connect_timeout = connect_timeout;
    options.ack_timeout = answer_timeout;
    options.publishers = std::clamp(max_in_flight, 1, 16);
    return std::make_unique<NatsSink>(*nats, options);
  }
  DataPlatformClientOptions options;
  options.connect_timeout = connect_timeout;
  options.attempt_timeout = answer_timeout;
  options.max_idle_connections = static_cast<std::size_t>(max_in_flight);
  options.signing_secret = signing_secret;
  options.ca_file = ca_file;
  return std::make_unique<HttpSink>(std::move(executor), std::get<PlatformUrl>(url), options);
}

}  // namespace events
