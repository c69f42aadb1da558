#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace db {

class Pool;
class BatchStatements;
class Result;

// Every write transaction carries a token: a row of `write_outcomes` that it inserts and
// that commits or vanishes with it (batched writes also store their answer there). When a
// write's answer is lost (DbAnswerLost), another connection learns from that row whether it
// committed, so the service answers what really happened instead of a 503 that may be a lie.
//
// Tokens are random 63-bit numbers: unique across instances and restarts without any
// coordination (a clash in the few minutes a token is kept is about one in 10^8 per year
// of a busy instance, and would fail one write with an error, never lie about it).
std::int64_t next_write_token();

enum class WriteApplied { yes, no, unknown };  // what an outcome check learned

// What a write whose answer was lost (its statement or COMMIT sent on the connection of
// backend `backend_pid`) really did. Holds writes (AnswerWatch), then learns whether the
// transaction that carried `token` committed, on connections of `pool`, trying until the
// pool's outcome budget has passed:
//   1. ends the backend that ran it if it is still there: a transaction whose client
//      vanished could otherwise stay in progress for a while;
//   2. inserts the token itself (ON CONFLICT DO NOTHING). The insert waits for a transaction
//      that holds the token; if it gets the row, the write never committed and now never
//      can (its own insert of the token would fail): not applied. If the row was there, it
//      was committed: applied.
// Every wait of an attempt (for a connection, a connect, each answer) ends within what is
// left of the budget. Returns if it committed; else throws DbUnavailable (it did not: a 503
// is true) or DbOutcomeUnknown (the database could not be asked in time: a 504).
boost::asio::awaitable<void> settle_lost_write(Pool& pool, int backend_pid, std::int64_t token,
                                               const std::string& what);

// The same for a batch (its statement sent on backend `backend_pid`): if it committed,
// returns the answer it recorded under `token` (BatchStatements::recover); both steps end
// within the pool's outcome budget (DbOutcomeUnknown if the answer cannot be read back).
boost::asio::awaitable<Result> settle_lost_batch(Pool& pool, int backend_pid, std::int64_t token,
                                                 const std::string& what,
                                                 const BatchStatements& statements);

// Deletes outcome tokens older than five minutes (a periodic task's step): far longer than
// any request waits to learn an outcome.
boost::asio::awaitable<void> prune_write_outcomes(Pool& pool);

// Once a write's answer is lost, the service stops sending writes into the void: until the
// database answers again, new writes are refused with 503 without being sent (true: nothing
// of them was applied). Shared by every pool of an instance.
class AnswerWatch {
 public:
  void answer_lost() { held_.store(true, std::memory_order_release); }
  void database_answered() { held_.store(false, std::memory_order_release); }
  bool writes_held() const { return held_.load(std::memory_order_acquire); }

  // While held, at most one write in `probe_interval` gets to probe the database (one
  // cheap round trip); the others are refused at once.
  bool take_probe_turn(std::chrono::milliseconds probe_interval);

  // What the outcome checks learned, and the writes refused while held: for /metrics
  // (write_outcome_metrics). Relaxed counters, written on any loop.
  void count_outcome(WriteApplied applied) {
    outcomes_[static_cast<std::size_t>(applied)].fetch_add(1, std::memory_order_relaxed);
  }
  void count_refused_while_held() { refused_while_held_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t outcomes(WriteApplied applied) const {
    return outcomes_[static_cast<std::size_t>(applied)].load(std::memory_order_relaxed);
  }
  std::uint64_t refused_while_held() const {
    return refused_while_held_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<bool> held_{false};
  std::atomic<std::int64_t> last_probe_ns_{0};
  std::array<std::atomic<std::uint64_t>, 3> outcomes_{};  // by WriteApplied
  std::atomic<std::uint64_t> refused_while_held_{0};
};

// Appends, in Prometheus text, db_lost_write_answers_total{outcome="applied|not_applied|
// unknown"} (writes whose answer was lost, by what the outcome check learned: unknown is a
// 504) and db_writes_refused_while_held_total.
void write_outcome_metrics(const AnswerWatch& watch, std::string& out);

// For a write about to be sent on `pool`: returns if the database is believed to answer;
// if writes are held, probes it (one round trip, bounded) when it is this write's turn and
// releases the hold on an answer; otherwise throws DbUnavailable (nothing was sent).
boost::asio::awaitable<void> admit_write(Pool& pool);

}  // namespace db
