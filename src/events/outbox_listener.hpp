#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include <boost/asio/awaitable.hpp>

#include "platform/db/connection.hpp"

namespace events {

// LISTEN outbox_events on a dedicated connection until `stopping`: calls `on_event` for
// each notification and after each (re)connect (whatever committed while nobody listened).
// When the connection is lost it reconnects with backoff; the relay polls meanwhile.
boost::asio::awaitable<void> listen_for_outbox_events(db::ConnectOptions connect,
                                                      std::chrono::milliseconds poll_interval,
                                                      const std::atomic<bool>& stopping,
                                                      std::function<void()> on_event);

}  // namespace events
