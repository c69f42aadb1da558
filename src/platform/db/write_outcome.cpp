#include "platform/db/write_outcome.hpp"

#include <random>

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/batch_statements.hpp"
#include "platform/db/errors.hpp"
#include "platform/db/params.hpp"
#include "platform/db/pool.hpp"
#include "platform/metrics/prometheus_text.hpp"

namespace db {

namespace asio = boost::asio;

namespace {

// Only a backend of this service, still in a transaction or a statement: a pid the kernel
// gave to another process since is idle or someone else's.
const Statement kEndBackend{
    "write_outcome.end_backend",
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE pid = $1::integer AND application_name = 'ecommerce' AND state <> 'idle'"};

const Statement kFence{"write_outcome.fence",
                       "INSERT INTO write_outcomes (token) VALUES ($1::bigint)"
                       " ON CONFLICT (token) DO NOTHING RETURNING token"};

const Statement kPrune{
    "write_outcome.prune",
    "DELETE FROM write_outcomes WHERE created_at < now() - interval '5 minutes'"};

const Statement kProbe{"write_outcome.probe", "SELECT 1"};

constexpr std::chrono::milliseconds kRetryPause{100};

using Clock = std::chrono::steady_clock;

// What is left until `give_up_at`, at least a millisecond (zero would mean "no limit").
std::chrono::milliseconds time_left(Clock::time_point give_up_at) {
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::ceil<std::chrono::milliseconds>(give_up_at - Clock::now()));
}

asio::awaitable<WriteApplied> learn_outcome(Pool& pool, int backend_pid, std::int64_t token,
                                            Clock::time_point give_up_at) {
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (int attempt = 1;; ++attempt) {
    try {
      // Every wait of an attempt (a connection, its connect, each answer) ends by give_up_at.
      auto lease = co_await pool.acquire(time_left(give_up_at));
      if (backend_pid > 0) {
        co_await lease->execute(kEndBackend, Params(backend_pid), time_left(give_up_at));
      }
      const bool fenced =
          !(co_await lease->execute(kFence, Params(token), time_left(give_up_at))).empty();
      if (AnswerWatch* watch = pool.answer_watch()) watch->database_answered();
      spdlog::warn(
          "msg=\"learned the outcome of a write whose answer was lost\" applied={} "
          "attempts={}",
          fenced ? "no" : "yes", attempt);
      co_return fenced ? WriteApplied::no : WriteApplied::yes;
    } catch (const DbUnavailable& error) {
      if (Clock::now() + kRetryPause >= give_up_at) {
        spdlog::error(
            "msg=\"could not learn the outcome of a write whose answer was lost\" "
            "attempts={} error=\"{}\"",
            attempt, error.what());
        co_return WriteApplied::unknown;
      }
    }
    pause.expires_after(kRetryPause);
    co_await pause.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<void> settle_lost_write_until(Pool& pool, int backend_pid, std::int64_t token,
                                              const std::string& what,
                                              Clock::time_point give_up_at) {
  AnswerWatch* watch = pool.answer_watch();
  if (watch != nullptr) watch->answer_lost();
  const WriteApplied applied = co_await learn_outcome(pool, backend_pid, token, give_up_at);
  if (watch != nullptr) watch->count_outcome(applied);
  switch (applied) {
    case WriteApplied::yes:
      co_return;
    case WriteApplied::no:
      throw DbUnavailable("the transaction did not commit (its answer was lost: " + what + ")");
    case WriteApplied::unknown:
      break;
  }
  throw DbOutcomeUnknown("the answer to a write was lost and the database could not be asked: " +
                         what);
}

}  // namespace

std::int64_t next_write_token() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device entropy;
    return (static_cast<std::uint64_t>(entropy()) << 32) ^ entropy();
  }()};
  return static_cast<std::int64_t>(generator() >> 1);
}

bool AnswerWatch::take_probe_turn(std::chrono::milliseconds probe_interval) {
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  auto last = last_probe_ns_.load();
  if (now - last < std::chrono::nanoseconds(probe_interval).count()) return false;
  return last_probe_ns_.compare_exchange_strong(last, now);
}

asio::awaitable<void> prune_write_outcomes(Pool& pool) {
  auto lease = co_await pool.acquire();
  co_await lease->execute(kPrune, Params{});
}

asio::awaitable<void> admit_write(Pool& pool) {
  AnswerWatch* watch = pool.answer_watch();
  if (watch == nullptr || !watch->writes_held()) co_return;
  if (!watch->take_probe_turn(std::chrono::milliseconds(200))) {
    watch->count_refused_while_held();
    throw DbUnavailable("the database stopped answering; the write was not sent");
  }
  try {
    auto lease = co_await pool.acquire();
    co_await lease->execute(kProbe, Params{});
  } catch (const DbUnavailable& error) {
    watch->count_refused_while_held();
    throw DbUnavailable(std::string("the database does not answer yet; the write was not sent: ") +
                        error.what());
  }
  watch->database_answered();
}

asio::awaitable<void> settle_lost_write(Pool& pool, int backend_pid, std::int64_t token,
                                        const std::string& what) {
  co_await settle_lost_write_until(pool, backend_pid, token, what,
                                   Clock::now() + pool.outcome_budget());
}

asio::awaitable<Result> settle_lost_batch(Pool& pool, int backend_pid, std::int64_t token,
                                          const std::string& what,
                                          const BatchStatements& statements) {
  const auto give_up_at = Clock::now() + pool.outcome_budget();
  co_await settle_lost_write_until(pool, backend_pid, token, what, give_up_at);
  try {
    auto lease = co_await pool.acquire(time_left(give_up_at));
    co_return co_await lease->execute(statements.recover(), Params(token), time_left(give_up_at));
  } catch (const DbUnavailable& error) {
    throw DbOutcomeUnknown(
        std::string("the batch was applied but its answer could not be read back: ") +
        error.what());
  }
}

void write_outcome_metrics(const AnswerWatch& watch, std::string& out) {
  constexpr std::string_view lost = "db_lost_write_answers_total";
  metrics::write_help(out, lost, "counter",
                      "Writes whose answer was lost, by what the outcome check learned "
                      "(unknown: answered 504 OUTCOME_UNKNOWN).");
  metrics::write_sample(out, lost, {{"outcome", "applied"}},
                        static_cast<double>(watch.outcomes(WriteApplied::yes)));
  metrics::write_sample(out, lost, {{"outcome", "not_applied"}},
                        static_cast<double>(watch.outcomes(WriteApplied::no)));
  metrics::write_sample(out, lost, {{"outcome", "unknown"}},
                        static_cast<double>(watch.outcomes(WriteApplied::unknown)));
  constexpr std::string_view refused = "db_writes_refused_while_held_total";
  metrics::write_help(out, refused, "counter",
                      "Writes answered 503 without being sent, after a lost answer and before "
                      "the database answered again.");
  metrics::write_sample(out, refused, {}, static_cast<double>(watch.refused_while_held()));
}

}  // namespace db
