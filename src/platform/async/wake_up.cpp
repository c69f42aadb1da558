#include "platform/async/wake_up.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace async {

namespace asio = boost::asio;

WakeUp::WakeUp(asio::any_io_executor executor) : timer_(executor) {}

void WakeUp::notify() {
  pending_ = true;
  timer_.cancel();
}

asio::awaitable<bool> WakeUp::wait_for(std::chrono::steady_clock::duration timeout) {
  if (!pending_) {
    timer_.expires_after(std::max<std::chrono::steady_clock::duration>(
        timeout, std::chrono::milliseconds(1)));
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return std::exchange(pending_, false);
}

asio::awaitable<void> WakeUp::wait() {
  // Not `while (!co_await wait_for(...))`: built with g++ 12 that form crashed here (a
  // wait_for frame resumed after it was gone; the PeriodicTask tests caught it).
  for (;;) {
    const bool notified = co_await wait_for(std::chrono::hours(24));
    if (notified) co_return;
  }
}

}  // namespace async
