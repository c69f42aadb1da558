#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/any_io_executor.hpp>

#include "events/event_sink.hpp"
#include "events/nats_url.hpp"
#include "events/platform_url.hpp"

namespace events {

// DATA_PLATFORM_URL taken apart: the sink is chosen by its scheme.
using SinkUrl = std::variant<PlatformUrl, NatsUrl>;

// Parses DATA_PLATFORM_URL (http://, https:// or nats://); anything else throws
// config::ConfigError.
SinkUrl parse_sink_url(std::string_view url);

// The sink for `url`, with every wait of one delivery bounded so that it ends well within
// `lease` (another instance may claim the event again when the lease ends). HTTP posts are
// signed with `signing_secret` when it is not empty; https:// posts trust the certificates
// in `ca_file`, or the system's trust store when it is empty.
std::unique_ptr<EventSink> make_event_sink(const SinkUrl& url,
                                           boost::asio::any_io_executor executor,
                                           std::chrono::milliseconds lease, int max_in_flight,
                                           const std::string& signing_secret,
                                           const std::string& ca_file);

}  // namespace events
