#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/this_coro.hpp>

#include "platform/async/wake_up.hpp"

namespace db {

// One item's answer from a batch: its own outcome, or its own exception.
template <typename Outcome>
struct Settled {
  Settled(Outcome outcome) : value(std::move(outcome)) {}             // NOLINT: implicit on purpose
  Settled(std::exception_ptr failure) : error(std::move(failure)) {}  // NOLINT
  std::optional<Outcome> value;
  std::exception_ptr error;
};

// Requests of one kind coalesced into batches, each answered by one call of `settle` (one
// statement): the requests that arrive while `max_in_flight` batches are running form the
// next batch. A lone request goes at once, so an idle service adds no delay; under load one
// statement serves up to `max_batch` requests. A request only joins a batch that has not
// started yet, so its answer comes from work begun after the request: as fresh as a
// statement of its own. The core of db::WriteBatcher and db::BatchedLookup.
//
// A batch runs with `Connections` (what `settle` works with: a db::Pool in the service) on
// their event loop: the batcher's own (`home_connections`) when it has some, else those of the
// request that
// started the batch, on that request's loop. Several loops may share one batcher: the
// queue is under a mutex, and the answers are handed to each request's own loop
// (asio::dispatch, once per loop for the whole batch), where the request's coroutine
// reads them.
//
// `settle` answers the requests in order, one Settled per request. If it throws, every
// request of the batch gets the failure, passed through `map_failure` when one is given.
template <typename Request, typename Outcome, typename Connections>
class RequestBatcher {
 public:
  using Settle = std::function<boost::asio::awaitable<std::vector<Settled<Outcome>>>(
      Connections& connections, const std::vector<Request>& requests)>;
  // Called with each batch's size before it is sent (metrics).
  using Observe = std::function<void(std::size_t)>;
  // What every request of a batch that failed as a whole gets, from what `settle` threw.
  using MapFailure = std::exception_ptr (*)(std::exception_ptr);
  // What a request gets when it waited `max_queue_wait` without being taken into a batch.
  using QueueTimeout = std::exception_ptr (*)(std::chrono::milliseconds waited);

  struct Options {
    std::size_t max_batch = 64;
    std::size_t max_in_flight = 1;
    Observe observe{};
    MapFailure map_failure = nullptr;
    // How long a request may wait for a batch to take it (0: no limit). A request still
    // queued then leaves the queue, unapplied, with `queue_timeout`'s error; one already
    // in a batch waits for the batch, whose own waits are bounded by whoever settles it.
    std::chrono::milliseconds max_queue_wait{0};
    QueueTimeout queue_timeout = nullptr;
    // The connections every batch runs with, on `home_executor` (their loop); none: those and
    // loop of the request that starts the batch.
    Connections* home_connections = nullptr;
    boost::asio::any_io_executor home_executor{};
  };

  RequestBatcher(Settle settle, Options options)
      : settle_(std::move(settle)),
        max_batch_(std::max<std::size_t>(options.max_batch, 1)),
        max_in_flight_(std::max<std::size_t>(options.max_in_flight, 1)),
        observe_(std::move(options.observe)),
        map_failure_(options.map_failure),
        max_queue_wait_(options.max_queue_wait),
        queue_timeout_(options.queue_timeout),
        home_connections_(options.home_connections),
        home_executor_(std::move(options.home_executor)) {
    if (home_connections_ != nullptr && !home_executor_) {
      throw std::invalid_argument("a batcher's home connections need the executor they run on");
    }
  }
  RequestBatcher(const RequestBatcher&) = delete;
  RequestBatcher& operator=(const RequestBatcher&) = delete;

  // `connections` are the calling loop's: a batch this request starts runs with them, unless
  // the batcher has home connections.
  boost::asio::awaitable<Outcome> submit(Connections& connections, Request request) {
    namespace asio = boost::asio;
    auto executor = co_await asio::this_coro::executor;
    async::WakeUp wake(executor);
    Waiter waiter{std::move(request), executor, &wake};
    bool start = false;
    {
      const std::lock_guard lock(mutex_);
      pending_.push_back(&waiter);
      if (in_flight_ < max_in_flight_) {
        ++in_flight_;
        start = true;
      }
    }
    if (start) {
      if (home_connections_ != nullptr) {
        asio::co_spawn(home_executor_, run_batches(*home_connections_), asio::detached);
      } else {
        asio::co_spawn(executor, run_batches(connections), asio::detached);
      }
    }
    // Woken on this loop when the answer is in (a wake-up before the wait is not lost).
    // A batch stuck on a dead connection holds up every request queued behind it, so the
    // time spent queued is bounded too.
    const bool bounded = max_queue_wait_.count() > 0;
    const auto give_up_at = std::chrono::steady_clock::now() + max_queue_wait_;
    bool queued = bounded;
    while (!waiter.done) {
      if (!queued) {
        co_await wake.wait();
        continue;
      }
      const auto left = give_up_at - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) {
        if (withdraw(&waiter)) std::rethrow_exception(queue_timeout_error());
        queued = false;  // taken into a batch meanwhile: its answer will come
        continue;
      }
      const bool notified = co_await wake.wait_for(left);
      (void)notified;
    }
    if (waiter.error) std::rethrow_exception(waiter.error);
    co_return std::move(*waiter.value);
  }

  std::uint64_t batches() const { return batches_.load(); }  // statements sent, for tests
  std::size_t largest_batch() const { return largest_batch_.load(); }

 private:
  // Lives in the waiting request's coroutine frame until `done`, which only its own loop
  // sets: the batch's loop hands the answer over with asio::dispatch.
  struct Waiter {
    Request request;
    boost::asio::any_io_executor executor;
    async::WakeUp* wake;
    std::optional<Outcome> value{};
    std::exception_ptr error{};
    bool done = false;
  };

  // Takes a request out of the queue if no batch has taken it yet.
  bool withdraw(Waiter* waiter) {
    const std::lock_guard lock(mutex_);
    const auto found = std::find(pending_.begin(), pending_.end(), waiter);
    if (found == pending_.end()) return false;
    pending_.erase(found);
    return true;
  }

  std::exception_ptr queue_timeout_error() const {
    if (queue_timeout_) return queue_timeout_(max_queue_wait_);
    return std::make_exception_ptr(std::runtime_error(
        "no batch took the request within " + std::to_string(max_queue_wait_.count()) + " ms"));
  }

  // The next batch, or none (and the runner asking ends) when nothing waits.
  std::vector<Waiter*> next_batch() {
    const std::lock_guard lock(mutex_);
    const auto take = static_cast<std::ptrdiff_t>(std::min(pending_.size(), max_batch_));
    std::vector<Waiter*> batch(pending_.begin(), pending_.begin() + take);
    pending_.erase(pending_.begin(), pending_.begin() + take);
    if (batch.empty()) --in_flight_;
    return batch;
  }

  void record(std::size_t size) {
    ++batches_;
    auto largest = largest_batch_.load();
    while (largest < size && !largest_batch_.compare_exchange_weak(largest, size)) {
    }
    if (observe_) observe_(size);
  }

  // Hands each waiter its answer on its own loop: one dispatch per loop, not per waiter, so
  // a batch from another loop costs that loop one wake-up.
  static void answer(std::vector<Waiter*> waiters) {
    while (!waiters.empty()) {
      const boost::asio::any_io_executor executor = waiters.front()->executor;
      std::vector<Waiter*> here, elsewhere;
      for (Waiter* waiter : waiters)
        (waiter->executor == executor ? here : elsewhere).push_back(waiter);
      boost::asio::dispatch(executor, [here = std::move(here)] {
        for (Waiter* waiter : here) {
          waiter->done = true;
          waiter->wake->notify();
        }
      });
      waiters = std::move(elsewhere);
    }
  }

  boost::asio::awaitable<void> run_batches(Connections& connections) {
    for (auto batch = next_batch(); !batch.empty(); batch = next_batch()) {
      std::vector<Request> requests;
      requests.reserve(batch.size());
      for (const Waiter* waiter : batch) requests.push_back(waiter->request);
      record(batch.size());
      try {
        auto outcomes = co_await settle_(connections, requests);
        if (outcomes.size() != batch.size()) {
          throw std::logic_error("batch answered " + std::to_string(outcomes.size()) + " of " +
                                 std::to_string(batch.size()) + " requests");
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
          batch[i]->value = std::move(outcomes[i].value);
          batch[i]->error = std::move(outcomes[i].error);
          if (!batch[i]->value && !batch[i]->error) {
            batch[i]->error = std::make_exception_ptr(std::logic_error("batch: no answer"));
          }
        }
      } catch (...) {
        auto failure = std::current_exception();
        if (map_failure_) failure = map_failure_(failure);
        for (Waiter* waiter : batch) {
          waiter->value.reset();
          waiter->error = failure;
        }
      }
      answer(std::move(batch));
    }
  }

  Settle settle_;
  std::size_t max_batch_;
  std::size_t max_in_flight_;
  Observe observe_;
  MapFailure map_failure_;
  std::chrono::milliseconds max_queue_wait_;
  QueueTimeout queue_timeout_;
  Connections* home_connections_;
  boost::asio::any_io_executor home_executor_;
  std::mutex mutex_;
  std::size_t in_flight_ = 0;     // under mutex_
  std::vector<Waiter*> pending_;  // under mutex_
  std::atomic<std::uint64_t> batches_ = 0;
  std::atomic<std::size_t> largest_batch_ = 0;
};

}  // namespace db
