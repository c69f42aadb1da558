#include "events/outbox_relay.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "events/event_sinks.hpp"
#include "events/outbox_backlog_log.hpp"
#include "events/outbox_listener.hpp"
#include "events/outbox_pruner.hpp"
#include "events/outbox_store.hpp"
#include "events/relay_support.hpp"
#include "events/relay_stats.hpp"
#include "events/tls_client_context.hpp"
#include "platform/async/wake_up.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/errors.hpp"

namespace events {

namespace asio = boost::asio;
using asio::awaitable;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

using async::WakeUp;

struct QueuedEvent {
  ClaimedEvent event;
  Clock::time_point lease_ends;
};

// All the relay's coroutines share one Relay and run on one loop, so nothing here locks.
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

  bool platform_failing() const { return consecutive_failures_ > 0; }

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
      co_await claim_wake_.wait_for(time_to_next_claim());
    }
    flush_wake_.notify();
  }

  // Returns true when the claim came back full, so more events may be due right now.
  awaitable<bool> claim_and_dispatch() {
    const auto now = Clock::now();
    const int outstanding = static_cast<int>(queue_.size()) + in_flight_;
    int limit = 0;
    if (platform_failing()) {
      // While the platform fails, one event at a time probes it, every second or two,
      // instead of every due event failing on its own and piling up backoff.
      if (outstanding > 0 || now < next_probe_at_) co_return false;
      limit = 1;
    } else {
      // Top up the queue only when it has drained to half, so claims stay batched.
      if (outstanding > options_.batch_size / 2) co_return false;
      limit = options_.batch_size - outstanding;
    }
    if (earliest_retry_ && *earliest_retry_ <= now) earliest_retry_.reset();
    auto claimed = co_await claim_due_events(pool_, limit, options_.lease);
    const auto lease_ends = now + options_.lease;
    for (auto& event : claimed) queue_.push_back(QueuedEvent{std::move(event), lease_ends});
    dispatch();
    co_return static_cast<int>(claimed.size()) == limit && !platform_failing();
  }

  Clock::duration time_to_next_claim() const {
    const auto now = Clock::now();
    auto wake_at = now + options_.poll_interval;
    if (earliest_retry_ && *earliest_retry_ > now) wake_at = std::min(wake_at, *earliest_retry_);
    // While a probe is out, its outcome wakes the claimer; otherwise the next probe time.
    const bool probe_out = !queue_.empty() || in_flight_ > 0;
    if (platform_failing() && !probe_out && next_probe_at_ > now) {
      wake_at = std::min(wake_at, next_probe_at_);
    }
    return wake_at - now;
  }

  // Starts POSTs for queued events while there is room.
  void dispatch() {
    const auto latest_start = sink_->attempt_budget();
    while (!queue_.empty() && in_flight_ < options_.max_in_flight &&
           !(platform_failing() && in_flight_ > 0)) {
      QueuedEvent next = std::move(queue_.front());
      queue_.pop_front();
      if (next.lease_ends - Clock::now() < latest_start) {
        // Too late to finish within the lease: leave it to whichever relay claims it when
        // the lease ends, rather than risk two relays sending it at once.
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
      if (platform_failing()) {
        spdlog::info("msg=\"data platform accepts events again\" failed_attempts={}",
                     consecutive_failures_);
      }
      consecutive_failures_ = 0;
      acked_.push_back(event.id);
    } else {
      stats_.record_failed_attempt();
      const auto delay = retry_delay(options_.retry, event.attempts, jitter());
      spdlog::debug(
          "msg=\"outbox delivery failed\" event_id={} attempts={} retry_in_ms={} "
          "error=\"{}\"",
          event.event_id, event.attempts, delay.count(), outcome.error);
      if (outcome.platform_unavailable) note_platform_failure(outcome.error);
      failed_.push_back(FailedAttempt{event.id, event.attempts, delay, std::move(outcome.error)});
      note_retry(Clock::now() + delay);
    }
    flush_wake_.notify();
    dispatch();
    const int outstanding = static_cast<int>(queue_.size()) + in_flight_;
    if (outstanding <= options_.batch_size / 2) claim_wake_.notify();
  }

  void note_platform_failure(const std::string& error) {
    if (!platform_failing()) {
      spdlog::warn("msg=\"data platform unavailable; events are kept and retried\" error=\"{}\"",
                   error);
    }
    ++consecutive_failures_;
    RetryPolicy probing{options_.retry.initial, 2 * options_.poll_interval};
    next_probe_at_ = Clock::now() + retry_delay(probing, consecutive_failures_, jitter());
    // Events claimed but not sent yet go back too, due when the next probe may have
    // brought the platform back (their attempt was counted when they were claimed).
    const auto give_back_delay =
        std::chrono::duration_cast<milliseconds>(next_probe_at_ - Clock::now());
    for (auto& queued : queue_) {
      failed_.push_back(FailedAttempt{queued.event.id, queued.event.attempts, give_back_delay,
                                      "not sent: data platform unavailable"});
    }
    queue_.clear();
  }

  void note_retry(Clock::time_point due) {
    if (!earliest_retry_ || due < *earliest_retry_) earliest_retry_ = due;
  }

  double jitter() { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }

  // Writes outcomes back in batches: whatever was acknowledged or failed while the last
  // write ran goes in the next one.
  awaitable<void> flush([[maybe_unused]] std::shared_ptr<Relay> self) {
    for (;;) {
      if (acked_.empty() && failed_.empty()) {
        if (stopping_.load() && in_flight_ == 0) break;
        co_await flush_wake_.wait_for(options_.poll_interval);
        continue;
      }
      auto delivered = std::exchange(acked_, {});
      auto failures = std::exchange(failed_, {});
      bool database_down = false;
      try {
        if (!delivered.empty()) {
          const auto lags = co_await mark_delivered(pool_, delivered);
          for (double lag : lags) stats_.record_delivery(lag);
          spdlog::debug("msg=\"outbox events delivered\" count={}", lags.size());
          delivered.clear();
        }
        co_await reschedule_failed(pool_, failures);
      } catch (const db::DbUnavailable&) {
        // Keep the outcomes and write them once the database answers again (if the leases
        // run out first, the events are sent again: at-least-once).
        acked_.insert(acked_.end(), delivered.begin(), delivered.end());
        failed_.insert(failed_.end(), failures.begin(), failures.end());
        database_down = true;
      } catch (const std::exception& error) {
        spdlog::error("msg=\"outbox outcome write failed\" error=\"{}\"", one_line(error.what()));
      }
      if (database_down) {
        if (stopping_.load()) break;
        co_await sleep_unless_stopping(milliseconds(500), milliseconds(500), stopping_);
      }
    }
  }

  awaitable<void> listen(std::shared_ptr<Relay> self) {
    // Each payment's commit (of any instance) wakes the claimer at once.
    co_await listen_for_outbox_events(options_.database.connect, options_.poll_interval,
                                      stopping_, [self] { self->wake_claimer(); });
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

  asio::any_io_executor executor_;
  OutboxWakeup& wakeup_;
  RelayStats& stats_;
  RelayOptions options_;
  db::Pool pool_;
  const std::atomic<bool>& stopping_;
  std::unique_ptr<EventSink> sink_;

  WakeUp claim_wake_;
  WakeUp flush_wake_;
  std::deque<QueuedEvent> queue_;  // claimed, not sent yet
  int in_flight_ = 0;
  std::vector<std::int64_t> acked_;
  std::vector<FailedAttempt> failed_;
  std::optional<Clock::time_point> earliest_retry_;  // of events this relay rescheduled
  int consecutive_failures_ = 0;                     // of the platform, not of one event
  Clock::time_point next_probe_at_{};
  std::mt19937 random_;
};

}  // namespace

RelayOptions relay_options(const config::Config& config, const db::PoolOptions& database) {
  RelayOptions options;
  if (!config.data_platform_url.empty()) {
    options.platform = parse_sink_url(config.data_platform_url);
  }
  options.signing_secret = config.data_platform_secret;
  options.ca_file = config.data_platform_ca_file;
  if (const auto* http = options.platform ? std::get_if<PlatformUrl>(&*options.platform) : nullptr;
      http != nullptr && http->tls) {
    // Loaded here only to fail at start: each relay loads its own copy when it starts.
    make_tls_client_context(options.ca_file);
  }
  options.lease = std::chrono::seconds(config.outbox_lease_seconds);
  options.retention = std::chrono::hours(config.outbox_retention_hours);
  options.database = database;
  return options;
}

awaitable<void> run_outbox_relay(RelayOptions options, const std::atomic<bool>* schema_ready,
                                 const std::atomic<bool>& stopping, OutboxWakeup& wakeup,
                                 RelayStats& stats) {
  auto executor = co_await asio::this_coro::executor;
  auto relay =
      std::make_shared<Relay>(executor, std::move(options), schema_ready, stopping, wakeup, stats);
  co_await relay->run();
}

}  // namespace events
