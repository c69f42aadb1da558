#include "events/stoppable_sleep.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace events {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

asio::awaitable<void> sleep_unless_stopping(Clock::duration duration,
                                            std::chrono::milliseconds step,
                                            const std::atomic<bool>& stopping) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto until = Clock::now() + duration;
  while (!stopping.load() && Clock::now() < until) {
    timer.expires_after(std::min<Clock::duration>(until - Clock::now(), step));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace events
