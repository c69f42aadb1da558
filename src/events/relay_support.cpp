#include "events/relay_support.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace events {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == '"') c = '\'';
  }
  return text;
}

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
