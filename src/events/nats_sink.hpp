#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "events/event_sink.hpp"
#include "events/nats_url.hpp"

namespace events {

struct NatsSinkOptions {
  std::chrono::milliseconds connect_timeout{2000};
  // How long a publish waits for the stream's acknowledgement before it counts as failed.
  std::chrono::milliseconds ack_timeout{5000};
  // Threads that publish; each waits for its acknowledgement, so this bounds concurrency.
  int publishers = 4;
};

// Publishes events to NATS JetStream with the C client (libnats): one connection to the
// servers of the URL (reconnecting by itself, forever), the event JSON as the payload and
// `Nats-Msg-Id: <eventId>`, so the stream's duplicate window drops re-sends. Acknowledged
// means the stream stored it (or already had it). libnats calls block, so they run on the
// sink's own threads; deliver() only waits for them, never blocking the caller's loop.
class NatsSink final : public EventSink {
 public:
  NatsSink(NatsUrl url, NatsSinkOptions options);
  ~NatsSink() override;
  NatsSink(const NatsSink&) = delete;
  NatsSink& operator=(const NatsSink&) = delete;

  boost::asio::awaitable<DeliveryOutcome> deliver(std::string_view event_id,
                                                  std::string_view json_body) override;
  std::chrono::milliseconds attempt_budget() const override;
  std::string describe() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace events
