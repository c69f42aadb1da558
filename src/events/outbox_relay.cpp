#include "events/outbox_relay.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "events/claim_schedule.hpp"
#include "events/dispatch_queue.hpp"
#include "events/event_sinks.hpp"
#include "events/log_value.hpp"
#include "events/outbox_backlog_log.hpp"
#include "events/outbox_listener.hpp"
#include "events/outbox_pruner.hpp"
#include "events/outbox_store.hpp"
#include "events/outcome_writer.hpp"
#include "events/platform_probe.hpp"
#include "events/stoppable_sleep.hpp"
#include "platform/async/wake_up.hpp"
#include "platform/db/errors.hpp"

namespace events {

namespace asio = boost::asio;
using asio::awaitable;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

using async::WakeUp;

// All the relay's coroutines share one Relay and run on one loop, so nothing here locks.
// Each event goes through claim (claim_schedule, outbox_store), dispatch (dispatch_queue),
// delivery to the sink, the outcome (retry_policy, platform_probe) and the write-back
// (outcome_writer); this class only sequences those steps.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(asio::any_io_executor executor, RelayOptions options, const std::atomic<bool>* schema_ready,
        const std::atomic<bool>& stopping, OutboxWakeup& wakeup, RelayStats& stats)
      : executor_(executor),
        wakeup_(wakeup),
        stats_(stats),
        options_(std::move(options)),
        pool_(executor, pool_options(options_.database), schema_ready),
        stopping_(stopping),
        claim_wake_(executor),
        flush_wake_(executor),
        probe_(options_.retry, options_.poll_interval),
        random_(std::random_device{}()) {
    if (options_.platform) {
      sink_ = make_event_sink(*options_.platform, executor, options_.lease, options_.max_in_flight,
                              options_.signing_secret, options_.ca_file);
    }
  }

  // From any thread, through the loop: an event was committed in this process.
  void wake_claimer() { claim_wake_.notify(); }

  awaitable<void> run() {
    auto self = shared_from_this();
    wakeup_.attach(executor_, [relay = weak_from_this()] {
      if (auto alive = relay.lock()) alive->wake_claimer();
    });
    if (sink_) {
      spdlog::info(
          "msg=\"outbox relay started\" platform=\"{}\" lease_ms={} batch={} max_in_flight={}",
          sink_->describe(), options_.lease.count(), options_.batch_size, options_.max_in_flight);
    } else {
      spdlog::warn(
          "msg=\"DATA_PLATFORM_URL not set: paid-order events are kept in outbox_events, "
          "not delivered\"");
    }
    asio::co_spawn(executor_, listen(self), asio::detached);
    asio::co_spawn(executor_, prune(self), asio::detached);
    if (sink_) {
      asio::co_spawn(executor_, flush(self), asio::detached);
      co_await claim_loop();
    } else {
      co_await log_backlog(self);
    }
  }

 private:
  static db::PoolOptions pool_options(db::PoolOptions options) {
    // Claims, acknowledgements and the odd prune or backlog query: a few are plenty
    // (kRelayConnections counts these and the LISTEN connection).
    options.max_connections = kRelayConnections - 1;
    return options;
  }

  Outstanding outstanding() const { return Outstanding{queue_.size(), in_flight_}; }

  // Claims due events whenever woken (a payment committed, deliveries freed room) or the
  // poll timer fires; at once again while claims come back full.
  awaitable<void> claim_loop() {
    while (!stopping_.load()) {
      bool more_due = false;
      try {
        more_due = co_await claim_and_dispatch();
      } catch (const db::DbUnavailable&) {
        // The database is down or not migrated yet: the next poll tries again.
      } catch (const std::exception& error) {
        spdlog::error("msg=\"outbox claim failed\" error=\"{}\"", one_line(error.what()));
      }
      if (more_due) continue;
      co_await claim_wake_.wait_for(time_to_next_claim(Clock::now(), options_.poll_interval,
                                                       earliest_retry_.due(), probe_waiting()));
    }
    flush_wake_.notify();
  }

  // Returns true when the claim came back full, so more events may be due right now.
  awaitable<bool> claim_and_dispatch() {
    const auto now = Clock::now();
    const int limit =
        claim_limit(outstanding(), options_.batch_size, probe_.failing(), probe_.probe_due(now));
    if (limit == 0) co_return false;
    earliest_retry_.forget_if_due(now);
    auto claimed = co_await claim_due_events(pool_, limit, options_.lease);
    const auto count = claimed.size();
    queue_.add(std::move(claimed), now + options_.lease);
    dispatch();
    co_return claim_came_back_full(count, limit, probe_.failing());
  }

  // The next probe, while the platform fails and no probe is out (its outcome wakes the
  // claimer then).
  std::optional<Clock::time_point> probe_waiting() const {
    if (!probe_.failing() || outstanding().total() > 0) return std::nullopt;
    return probe_.next_probe_at();
  }

  // Starts deliveries of queued events while there is room.
  void dispatch() {
    const auto latest_start = sink_->attempt_budget();
    while (!queue_.empty() &&
           room_for_delivery(in_flight_, options_.max_in_flight, probe_.failing())) {
      QueuedEvent next = queue_.pop();
      if (lease_too_short(next.lease_ends, Clock::now(), latest_start)) {
        spdlog::debug("msg=\"outbox event lease ran short; left for later\" id={}", next.event.id);
        continue;
      }
      ++in_flight_;
      asio::co_spawn(executor_, deliver(shared_from_this(), std::move(next.event)), asio::detached);
    }
  }

  awaitable<void> deliver([[maybe_unused]] std::shared_ptr<Relay> self, ClaimedEvent event) {
    auto outcome = co_await sink_->deliver(event.event_id, event.payload);
    --in_flight_;
    if (outcome.acknowledged) {
      note_acknowledged(event);
    } else {
      note_failed(event, std::move(outcome));
    }
    flush_wake_.notify();
    dispatch();
    if (wants_top_up(outstanding(), options_.batch_size)) claim_wake_.notify();
  }

  void note_acknowledged(const ClaimedEvent& event) {
    if (const int failed_attempts = probe_.record_success(); failed_attempts > 0) {
      spdlog::info("msg=\"data platform accepts events again\" failed_attempts={}",
                   failed_attempts);
    }
    outcomes_.acknowledged.push_back(event.id);
  }

  void note_failed(const ClaimedEvent& event, DeliveryOutcome outcome) {
    stats_.record_failed_attempt();
    const auto delay = retry_delay(options_.retry, event.attempts, jitter());
    spdlog::debug(
        "msg=\"outbox delivery failed\" event_id={} attempts={} retry_in_ms={} "
        "error=\"{}\"",
        event.event_id, event.attempts, delay.count(), outcome.error);
    if (outcome.platform_unavailable) note_platform_failure(outcome.error);
    outcomes_.failed.push_back(
        FailedAttempt{event.id, event.attempts, delay, std::move(outcome.error)});
    earliest_retry_.note(Clock::now() + delay);
  }

  void note_platform_failure(const std::string& error) {
    if (!probe_.failing()) {
      spdlog::warn("msg=\"data platform unavailable; events are kept and retried\" error=\"{}\"",
                   error);
    }
    const auto now = Clock::now();
    probe_.record_failure(now, jitter());
    // Events claimed but not sent yet go back too, due when the next probe may have
    // brought the platform back.
    queue_.give_back(probe_.time_to_next_probe(now), kNotSentReason, outcomes_.failed);
  }

  double jitter() { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }

  // Writes outcomes back in batches: whatever was acknowledged or failed while the last
  // write ran goes in the next one. Ends once stopping with nothing left to write or in flight.
  awaitable<void> flush([[maybe_unused]] std::shared_ptr<Relay> self) {
    for (;;) {
      if (outcomes_.empty()) {
        if (stopping_.load() && in_flight_ == 0) break;
        co_await flush_wake_.wait_for(options_.poll_interval);
        continue;
      }
      // Awaited into a local first: `if (co_await write_outcomes(...) == ...)` crashed
      // here when built by GCC 12.2 at -O3 (a coroutine code-generation fault, not proven).
      const auto written = co_await write_outcomes(pool_, outcomes_, stats_);
      if (written == OutcomeWrite::database_down) {
        if (stopping_.load()) break;
        co_await sleep_unless_stopping(milliseconds(500), milliseconds(500), stopping_);
      }
    }
  }

  awaitable<void> listen(std::shared_ptr<Relay> self) {
    // Each payment's commit (of any instance) wakes the claimer at once.
    co_await listen_for_outbox_events(options_.database.connect, options_.poll_interval, stopping_,
                                      [self] { self->wake_claimer(); });
  }

  awaitable<void> log_backlog([[maybe_unused]] std::shared_ptr<Relay> self) {
    co_await log_outbox_backlog_until_stopped(pool_, claim_wake_, options_.poll_interval,
                                              stopping_);
  }

  awaitable<void> prune([[maybe_unused]] std::shared_ptr<Relay> self) {
    co_await prune_delivered_events_until_stopped(
        pool_, PruneSchedule{options_.retention, options_.prune_interval, options_.poll_interval},
        stopping_);
  }

  static inline const std::string kNotSentReason = "not sent: data platform unavailable";

  asio::any_io_executor executor_;
  OutboxWakeup& wakeup_;
  RelayStats& stats_;
  RelayOptions options_;
  db::Pool pool_;
  const std::atomic<bool>& stopping_;
  std::unique_ptr<EventSink> sink_;

  WakeUp claim_wake_;
  WakeUp flush_wake_;
  DispatchQueue queue_;  // claimed, not sent yet
  int in_flight_ = 0;
  PendingOutcomes outcomes_;      // delivered or failed, not written back yet
  EarliestRetry earliest_retry_;  // of events this relay rescheduled
  PlatformProbe probe_;           // of the platform, not of one event
  std::mt19937 random_;
};

}  // namespace

awaitable<void> run_outbox_relay(RelayOptions options, const std::atomic<bool>* schema_ready,
                                 const std::atomic<bool>& stopping, OutboxWakeup& wakeup,
                                 RelayStats& stats) {
  auto executor = co_await asio::this_coro::executor;
  auto relay =
      std::make_shared<Relay>(executor, std::move(options), schema_ready, stopping, wakeup, stats);
  co_await relay->run();
}

}  // namespace events
