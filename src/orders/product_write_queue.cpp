#include "orders/product_write_queue.hpp"

#include <boost/asio/this_coro.hpp>

namespace orders {

boost::asio::awaitable<void> ProductWriteQueue::wait_turn(std::int64_t product_id) {
  Line& line = lines_[product_id];
  if (!line.busy) {
    line.busy = true;
    co_return;
  }
  async::WakeUp wake(co_await boost::asio::this_coro::executor);
  Waiter waiter{&wake};
  line.waiting.push_back(&waiter);
  // No deadline of its own: the turn's holder runs statements bounded by the request
  // deadline, and pass_on wakes this waiter when its turn comes.
  while (!waiter.granted) co_await wake.wait();
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
  next->wake->notify();
}

}  // namespace orders
