#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "platform/async/wake_up.hpp"
#include "platform/db/errors.hpp"

namespace db {

// One item's answer from a batch: its own outcome, or its own exception.
template <typename Outcome>
struct Settled {
  Settled(Outcome outcome) : value(std::move(outcome)) {}             // NOLINT: implicit on purpose
  Settled(std::exception_ptr failure) : error(std::move(failure)) {}  // NOLINT
  std::optional<Outcome> value;
  std::exception_ptr error;
};

// Writes of one kind for one event loop, settled in batches: the requests that arrive while
// a batch is in flight form the next batch, which `settle` applies in one statement (one
// round trip, one commit). A lone request goes at once, so an idle service adds no delay;
// under load one commit serves up to `max_batch` requests.
//
// At most ONE batch per batcher is in flight: concurrent batches that lock rows in different
// orders deadlock, and more of them only queue on the same rows (see the engineering notes,
// "Batched writes, measured"). `settle` must lock its rows in a fixed order (e.g. by id)
// so that the batches of different loops and instances cannot deadlock either.
//
// `settle` answers the requests in order, one Settled per request. If it throws, the whole
// batch failed and nothing of it was applied (it is one statement): every request of the
// batch gets the error. A deadlock or serialization failure of the batch is reported as
// DbUnavailable (a 503: retry later), like a lost connection; it is not retried here, as the
// batch's outcome is known only to PostgreSQL once the commit may have been sent.
// Not thread-safe: one per loop and kind.
template <typename Request, typename Outcome>
class WriteBatcher {
 public:
  using Settle = std::function<boost::asio::awaitable<std::vector<Settled<Outcome>>>(
      const std::vector<Request>& requests)>;
  // Called with each batch's size before it is sent (metrics).
  using Observe = std::function<void(std::size_t)>;

  explicit WriteBatcher(Settle settle, std::size_t max_batch = 64, Observe observe = {})
      : settle_(std::move(settle)),
        max_batch_(std::max<std::size_t>(max_batch, 1)),
        observe_(std::move(observe)) {}
  WriteBatcher(const WriteBatcher&) = delete;
  WriteBatcher& operator=(const WriteBatcher&) = delete;

  boost::asio::awaitable<Outcome> submit(Request request) {
    namespace asio = boost::asio;
    auto executor = co_await asio::this_coro::executor;
    async::WakeUp wake(executor);
    Waiter waiter{std::move(request), &wake};
    pending_.push_back(&waiter);
    if (!in_flight_) {
      in_flight_ = true;
      asio::co_spawn(executor, run_batches(), asio::detached);
    }
    // Woken when the answer is in (a wake-up before the wait is not lost).
    while (!waiter.done) co_await wake.wait();
    if (waiter.error) std::rethrow_exception(waiter.error);
    co_return std::move(*waiter.value);
  }

  std::uint64_t batches() const { return batches_; }  // statements sent, for tests
  std::size_t largest_batch() const { return largest_batch_; }

 private:
  // Lives in the waiting request's coroutine frame until `done`.
  struct Waiter {
    Request request;
    async::WakeUp* wake;
    std::optional<Outcome> value{};
    std::exception_ptr error{};
    bool done = false;
  };

  static std::exception_ptr batch_failure(std::exception_ptr failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const DbError& error) {
      if (error.is_retryable()) {
        return std::make_exception_ptr(
            DbUnavailable(std::string("write batch failed, nothing applied: ") + error.what()));
      }
    } catch (...) {
    }
    return failure;
  }

  boost::asio::awaitable<void> run_batches() {
    while (!pending_.empty()) {
      const auto take = static_cast<std::ptrdiff_t>(std::min(pending_.size(), max_batch_));
      std::vector<Waiter*> batch(pending_.begin(), pending_.begin() + take);
      pending_.erase(pending_.begin(), pending_.begin() + take);
      std::vector<Request> requests;
      requests.reserve(batch.size());
      for (const Waiter* waiter : batch) requests.push_back(waiter->request);
      ++batches_;
      largest_batch_ = std::max(largest_batch_, batch.size());
      if (observe_) observe_(batch.size());
      try {
        auto outcomes = co_await settle_(requests);
        if (outcomes.size() != batch.size()) {
          throw std::logic_error("write batch answered " + std::to_string(outcomes.size()) +
                                 " of " + std::to_string(batch.size()) + " requests");
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
          batch[i]->value = std::move(outcomes[i].value);
          batch[i]->error = std::move(outcomes[i].error);
          if (!batch[i]->value && !batch[i]->error) {
            batch[i]->error = std::make_exception_ptr(std::logic_error("write batch: no answer"));
          }
        }
      } catch (...) {
        const auto failure = batch_failure(std::current_exception());
        for (Waiter* waiter : batch) {
          waiter->value.reset();
          waiter->error = failure;
        }
      }
      for (Waiter* waiter : batch) {
        waiter->done = true;
        waiter->wake->notify();
      }
    }
    in_flight_ = false;
  }

  Settle settle_;
  std::size_t max_batch_;
  Observe observe_;
  bool in_flight_ = false;
  std::uint64_t batches_ = 0;
  std::size_t largest_batch_ = 0;
  std::vector<Waiter*> pending_;
};

}  // namespace db
