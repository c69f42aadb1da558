#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "platform/async/wake_up.hpp"

namespace db {

// Read-only lookups for one event loop, coalesced into few statements: lookups that arrive
// while `max_in_flight` fetches are already running wait for the next fetch, which answers
// all of them with one statement (e.g. `WHERE id = ANY($1)`). Under load one statement then
// serves many requests; under light load each lookup still gets a fetch of its own at once.
// A lookup only joins a fetch that has not started yet, so its answer always comes from a
// snapshot taken after the lookup began: the data is as fresh as a query of its own.
// Not thread-safe: one per loop. Use only for reads.
template <typename Key, typename Value>
class BatchedLookup {
 public:
  // Answers for `keys`, one per key in the same order (nullopt: nothing found).
  using Fetch = std::function<boost::asio::awaitable<std::vector<std::optional<Value>>>(
      const std::vector<Key>& keys)>;

  explicit BatchedLookup(Fetch fetch, std::size_t max_in_flight = 2, std::size_t max_batch = 256)
      : fetch_(std::move(fetch)),
        max_in_flight_(std::max<std::size_t>(max_in_flight, 1)),
        max_batch_(std::max<std::size_t>(max_batch, 1)) {}
  BatchedLookup(const BatchedLookup&) = delete;
  BatchedLookup& operator=(const BatchedLookup&) = delete;

  boost::asio::awaitable<std::optional<Value>> get(Key key) {
    namespace asio = boost::asio;
    auto executor = co_await asio::this_coro::executor;
    async::WakeUp wake(executor);
    Waiter waiter{std::move(key), &wake};
    pending_.push_back(&waiter);
    if (in_flight_ < max_in_flight_) {
      ++in_flight_;
      asio::co_spawn(executor, run_fetches(), asio::detached);
    }
    // Woken when the answer is in (a wake-up before the wait is not lost).
    while (!waiter.done) co_await wake.wait();
    if (waiter.error) std::rethrow_exception(waiter.error);
    co_return std::move(waiter.value);
  }

  std::uint64_t fetches() const { return fetches_; }  // statements sent, for tests

 private:
  // Lives in the waiting lookup's coroutine frame until `done`.
  struct Waiter {
    Key key;
    async::WakeUp* wake;
    std::optional<Value> value{};
    std::exception_ptr error{};
    bool done = false;
  };

  boost::asio::awaitable<void> run_fetches() {
    while (!pending_.empty()) {
      const auto take = static_cast<std::ptrdiff_t>(std::min(pending_.size(), max_batch_));
      std::vector<Waiter*> batch(pending_.begin(), pending_.begin() + take);
      pending_.erase(pending_.begin(), pending_.begin() + take);
      std::vector<Key> keys;
      keys.reserve(batch.size());
      for (const Waiter* waiter : batch) keys.push_back(waiter->key);
      ++fetches_;
      try {
        auto values = co_await fetch_(keys);
        for (std::size_t i = 0; i < batch.size() && i < values.size(); ++i) {
          batch[i]->value = std::move(values[i]);
        }
      } catch (...) {
        for (Waiter* waiter : batch) waiter->error = std::current_exception();
      }
      for (Waiter* waiter : batch) {
        waiter->done = true;
        waiter->wake->notify();
      }
    }
    --in_flight_;
  }

  Fetch fetch_;
  std::size_t max_in_flight_;
  std::size_t max_batch_;
  std::size_t in_flight_ = 0;
  std::uint64_t fetches_ = 0;
  std::vector<Waiter*> pending_;
};

}  // namespace db
