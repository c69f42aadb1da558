#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace events {

struct DeliveryOutcome {
  bool acknowledged = false;  // the sink took the event (2xx, or the stream's PubAck)
  // The sink itself is down or overloaded (no connection, timeout, 408, 429, 5xx, no
  // stream), as opposed to rejecting this one event.
  bool platform_unavailable = false;
  std::string error;  // why not, for outbox_events.last_error and the log
};

// Where the relay delivers events: the data platform's HTTP endpoint or a NATS JetStream
// subject, chosen by DATA_PLATFORM_URL's scheme. The outbox, claims, leases and retries are
// the relay's and the same for every sink.
class EventSink {
 public:
  virtual ~EventSink() = default;

  // Delivers one event. Never throws for delivery failures: the outcome says.
  virtual boost::asio::awaitable<DeliveryOutcome> deliver(std::string_view event_id,
                                                          std::string_view json_body) = 0;
  // The longest one deliver() may take; the relay starts none that could outlast the lease.
  virtual std::chrono::milliseconds attempt_budget() const = 0;
  // Where events go, for the log (no secrets).
  virtual std::string describe() const = 0;
};

}  // namespace events
