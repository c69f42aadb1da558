#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/batch_statements.hpp"
#include "platform/db/errors.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/write_batch_metrics.hpp"
#include "platform/db/write_batcher.hpp"
#include "platform/db/write_lane.hpp"
#include "platform/db/write_outcome.hpp"

namespace db {

// Settings shared by every batched write of an instance.
struct BatchedWriteLimits {
  std::size_t max_batch = 64;
  std::size_t max_in_flight = 1;
  // How long a write may wait queued for a batch (0: no limit); then 503, nothing applied.
  std::chrono::milliseconds max_queue_wait{0};
  // Where the batches run (see db::WriteLane); none: on the loop of the request that
  // starts each batch.
  WriteLane* lane = nullptr;
  // Where each batch's size is recorded (for /metrics); none: not recorded.
  WriteBatchSizes* sizes = nullptr;
};

// One answer per request from a batch's rows (one row per request, in order), checked: a
// batch that answered another number of rows fails whole rather than guess.
template <typename Spec>
std::vector<typename Spec::Outcome> answers_of(
    const Spec& spec, const Result& rows, const std::vector<typename Spec::Request>& requests) {
  if (rows.rows() != static_cast<int>(requests.size())) {
    throw std::logic_error("a batch answered " + std::to_string(rows.rows()) + " rows for " +
                           std::to_string(requests.size()) + " requests");
  }
  std::vector<typename Spec::Outcome> outcomes;
  outcomes.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    outcomes.push_back(spec.outcome(rows, static_cast<int>(i), requests[i]));
  }
  return outcomes;
}

// Runs one batch of `Spec` (see BatchedWrite) on a connection of `pool`: one answer per
// request, in order, each true (see BatchedWrite). Throws for the whole batch: DbUnavailable
// (nothing applied), DbOutcomeUnknown (it may have been), or what the statement raised.
template <typename Spec>
boost::asio::awaitable<std::vector<typename Spec::Outcome>> write_batch(
    const Spec& spec, Pool& pool, const std::vector<typename Spec::Request>& requests) {
  co_await admit_write(pool);
  const BatchStatements& statements = Spec::statements();
  const std::int64_t token = next_write_token();
  Params params = spec.params(requests);
  params.add(token);
  Result rows;
  {
    auto lease = co_await pool.acquire();
    std::string lost;
    try {
      rows = co_await lease->execute(statements.run(), params);
    } catch (const DbAnswerLost& error) {
      lost = error.what();
    }
    if (!lost.empty()) {
      const int pid = lease->backend_pid();
      lease = Pool::Lease{};  // the broken connection goes before another one is opened
      // Throws unless it committed.
      rows = co_await settle_lost_batch(pool, pid, token, lost, statements);
    }
  }
  co_return answers_of(spec, rows, requests);
}

// One batch of `Spec` inside the caller's open transaction on `connection` (a keyed request:
// the transaction carries its own token and idempotency row): nothing recorded, and the
// answer read like write_batch's.
template <typename Spec>
boost::asio::awaitable<std::vector<typename Spec::Outcome>> write_batch_in(
    const Spec& spec, Connection& connection, const std::vector<typename Spec::Request>& requests) {
  auto rows = co_await connection.execute(Spec::statements().plain(), spec.params(requests));
  co_return answers_of(spec, rows, requests);
}

// One kind of write settled in batches (db::WriteBatcher): each batch is one call of a batch
// function, one statement and one commit, answering one row per request in order. The
// `Spec` says what is particular to the kind:
//
//   struct Spec {
//     using Request = ...;  using Outcome = ...;
//     static constexpr WriteKind kind = ...;                   // the metrics label
//     static const BatchStatements& statements();              // the function's call
//     Params params(const std::vector<Request>&) const;        // its arguments (no token)
//     Outcome outcome(const Result& rows, int row, const Request&) const;  // one answer
//   };
//
// Every answer is true. The batch records its answer under a token in the same statement
// (BatchStatements); if the answer is lost after the statement was sent, the batch learns on
// another connection whether it committed (db::settle_lost_write): if it did, every request
// gets its own recorded answer; if not, a 503 (nothing applied); if the database cannot be
// asked in time, 504 OUTCOME_UNKNOWN for every request of the batch.
template <typename Spec>
class BatchedWrite {
 public:
  using Request = typename Spec::Request;
  using Outcome = typename Spec::Outcome;

  BatchedWrite(Spec spec, BatchedWriteLimits limits)
      : spec_(std::move(spec)),
        batcher_([this](Pool& pool,
                        const std::vector<Request>& requests) { return settle(pool, requests); },
                 on_lane(
                     typename WriteBatcher<Request, Outcome>::Limits{
                         limits.max_batch, limits.max_in_flight, limits.max_queue_wait},
                     limits.lane),
                 [sizes = limits.sizes](std::size_t size) {
                   if (sizes != nullptr) sizes->observe(Spec::kind, size);
                 }) {}
  BatchedWrite(const BatchedWrite&) = delete;
  BatchedWrite& operator=(const BatchedWrite&) = delete;

  // `pool` is the calling loop's (used when there is no lane).
  boost::asio::awaitable<Outcome> submit(Pool& pool, Request request) {
    return batcher_.submit(pool, std::move(request));
  }
  std::uint64_t batches() const { return batcher_.batches(); }
  const Spec& spec() const { return spec_; }

 private:
  boost::asio::awaitable<std::vector<Settled<Outcome>>> settle(
      Pool& pool, const std::vector<Request>& requests) {
    auto outcomes = co_await write_batch(spec_, pool, requests);
    co_return std::vector<Settled<Outcome>>(std::make_move_iterator(outcomes.begin()),
                                            std::make_move_iterator(outcomes.end()));
  }

  Spec spec_;
  WriteBatcher<Request, Outcome> batcher_;
};

}  // namespace db
