#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <string>
#include <utility>

#include "platform/db/errors.hpp"
#include "platform/db/request_batcher.hpp"

namespace db {

class Pool;

// Writes of one kind for one instance (every event loop submits here), settled in batches
// (db::RequestBatcher): the requests that arrive while a batch is in flight form the next
// batch, which `settle` applies in one statement (one round trip, one commit).
//
// Why per instance and not per loop: a batch's cost in PostgreSQL is mostly fixed (round
// trip, executor start-up, commit), so fewer, larger batches carry more writes per core.
// Per-loop batchers split the same waiting requests into one smaller batch per loop.
//
// The batches run on the instance's write lane when it is given one (db::WriteLane: a
// loop of their own with its own connections): an HTTP loop busy with requests would
// otherwise leave a batch's answer waiting behind them before the next batch can go.
//
// At most `max_in_flight` batches are in flight (default one): concurrent batches that lock
// the same rows only queue on them, and smaller batches cost more per write. `settle` must
// lock its rows in a fixed order (e.g. by id) so that the batches of other instances cannot
// deadlock it.
//
// If `settle` throws, every request of the batch gets the error. What the error means is
// `settle`'s to make true (db::BatchedWrite does): DbUnavailable only when nothing of the batch
// was applied, DbOutcomeUnknown when that could not be learned. A deadlock or serialization
// failure of the batch (an error answer: nothing applied) is reported as DbUnavailable (a
// 503: retry later); it is not retried here.
template <typename Request, typename Outcome, typename Connections = Pool>
class WriteBatcher : public RequestBatcher<Request, Outcome, Connections> {
  using Base = RequestBatcher<Request, Outcome, Connections>;

 public:
  using typename Base::Observe;
  using typename Base::Settle;

  struct Limits {
    std::size_t max_batch = 64;
    std::size_t max_in_flight = 1;
    // How long a write may wait queued for a batch (0: no limit); then it answers 503 and
    // nothing of it is applied.
    std::chrono::milliseconds max_queue_wait{0};
    // The connections every batch runs with, on their own loop (`home_executor`; see
    // db::WriteLane); none: the pool and loop of the request that starts the batch.
    Connections* home_connections = nullptr;
    boost::asio::any_io_executor home_executor{};
  };

  explicit WriteBatcher(Settle settle, Limits limits = {}, Observe observe = {})
      : Base(std::move(settle), {limits.max_batch, limits.max_in_flight, std::move(observe),
                                 &batch_failure, limits.max_queue_wait, &queue_timeout,
                                 limits.home_connections, std::move(limits.home_executor)}) {}

 private:
  static std::exception_ptr queue_timeout(std::chrono::milliseconds waited) {
    return std::make_exception_ptr(DbUnavailable("no write batch took the request within " +
                                                 std::to_string(waited.count()) +
                                                 " ms; nothing applied"));
  }

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
};

}  // namespace db
