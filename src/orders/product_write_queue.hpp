#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>

#include "platform/async/wake_up.hpp"

namespace orders {

// Lets one-product orders into the database one at a time per product, per event loop.
// When everybody buys the same product, 32 concurrent UPDATEs of its row make PostgreSQL
// hand the row lock from waiter to waiter (each woken, re-checking, sleeping again); with
// this queue at most one order per loop waits there, and the others wait here, where
// waiting is cheap. The database still decides everything: this only orders the arrivals.
// Not thread-safe: one per loop.
class ProductWriteQueue {
 public:
  // Returns when it is the caller's turn for the product; the caller must call
  // pass_on(product_id) when its statements are done (see Turn).
  boost::asio::awaitable<void> wait_turn(std::int64_t product_id);
  void pass_on(std::int64_t product_id);

  // Passes the turn on when destroyed. Built after wait_turn returned (not from an
  // awaited temporary: g++ 12 can destroy those twice).
  class Turn {
   public:
    Turn(ProductWriteQueue* queue, std::int64_t product_id) : queue_(queue), product_(product_id) {}
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    ~Turn() {
      if (queue_) queue_->pass_on(product_);
    }

   private:
    ProductWriteQueue* queue_;
    std::int64_t product_;
  };

 private:
  struct Waiter {
    async::WakeUp* wake;
    bool granted = false;
  };
  struct Line {
    bool busy = false;
    std::deque<Waiter*> waiting;
  };
  std::unordered_map<std::int64_t, Line> lines_;
};

}  // namespace orders
