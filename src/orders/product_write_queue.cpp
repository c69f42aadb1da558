#include "orders/product_write_queue.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace orders {

boost::asio::awaitable<void> ProductWriteQueue::wait_turn(std::int64_t product_id) {
  Line& line = lines_[product_id];
  if (!line.busy) {
    line.busy = true;
    co_return;
  }
  boost::asio::steady_timer wake(co_await boost::asio::this_coro::executor,
                                 boost::asio::steady_timer::time_point::max());
  Waiter waiter{&wake};
  line.waiting.push_back(&waiter);
  // The timer never expires: pass_on cancels it when this waiter's turn comes.
  while (!waiter.granted) {
    co_await wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

void ProductWriteQueue::pass_on(std::int64_t product_id) {
  auto found = lines_.find(product_id);
  if (found == lines_.end()) return;
  Line& line = found->second;
  if (line.waiting.empty()) {
    lines_.erase(found);
    return;
  }
  Waiter* next = line.waiting.front();  // stays busy: the turn goes straight to it
  line.waiting.pop_front();
  next->granted = true;
  next->wake->cancel();
}

}  // namespace orders
