#include "events/outbox_listener.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/this_coro.hpp>

#include "events/log_value.hpp"
#include "events/stoppable_sleep.hpp"

namespace events {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kListenerPingInterval = std::chrono::seconds(30);

}  // namespace

boost::asio::awaitable<void> listen_for_outbox_events(db::ConnectOptions connect,
                                                      milliseconds poll_interval,
                                                      const std::atomic<bool>& stopping,
                                                      std::function<void()> on_event) {
  auto executor = co_await boost::asio::this_coro::executor;
  auto backoff = milliseconds(500);
  bool lost = false;
  while (!stopping.load()) {
    try {
      auto connection = co_await db::Connection::connect(executor, connect);
      co_await connection->execute("LISTEN outbox_events");
      if (lost) spdlog::info("msg=\"outbox listener connected\"");
      lost = false;
      backoff = milliseconds(500);
      on_event();  // whatever committed while nobody listened
      auto last_ping = Clock::now();
      while (!stopping.load()) {
        if (co_await connection->wait_for_notification(poll_interval)) on_event();
        // A connection cut without a FIN stays silent forever: check it now and then.
        if (Clock::now() - last_ping > kListenerPingInterval) {
          co_await connection->execute("SELECT 1");
          last_ping = Clock::now();
        }
      }
      co_return;
    } catch (const std::exception& error) {
      if (!lost) {
        spdlog::warn(
            "msg=\"outbox listener has no database connection; polling meanwhile\" "
            "error=\"{}\"",
            one_line(error.what()));
      }
      lost = true;
    }
    co_await sleep_unless_stopping(backoff, poll_interval, stopping);
    backoff = std::min(backoff * 2, milliseconds(10'000));
  }
}

}  // namespace events
