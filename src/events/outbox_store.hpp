#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace events {

// An outbox row claimed for delivery: nobody else claims it until its lease ends.
struct ClaimedEvent {
  std::int64_t id = 0;
  std::string event_id;  // the Idempotency-Key
  std::string payload;   // the JSON document to POST
  int attempts = 0;      // including this one
};

// A failed attempt, to be retried after `delay`.
struct FailedAttempt {
  std::int64_t id = 0;
  int attempts = 0;  // as claimed: the row is only rescheduled if nobody claimed it since
  std::chrono::milliseconds delay{0};
  std::string error;
};

struct Backlog {
  std::int64_t undelivered = 0;
  double oldest_age_seconds = 0;  // of the oldest undelivered event; 0 when there is none
};

// Claims up to `limit` due events in one short autocommit statement (FOR UPDATE SKIP
// LOCKED, so relays in other instances take other rows), counting the attempt and leasing
// each row for `lease`: no transaction stays open during delivery, and the rows of a relay
// that dies mid-delivery come due again when the lease ends.
boost::asio::awaitable<std::vector<ClaimedEvent>> claim_due_events(db::Pool& pool, int limit,
                                                                   std::chrono::milliseconds lease);

// Marks acknowledged events delivered; returns, per row marked now, the seconds from the
// event's creation (the payment's commit) to its acknowledgement.
boost::asio::awaitable<std::vector<double>> mark_delivered(db::Pool& pool,
                                                           const std::vector<std::int64_t>& ids);

// Schedules the next attempt of each failed event and records why it failed.
boost::asio::awaitable<void> reschedule_failed(db::Pool& pool,
                                               const std::vector<FailedAttempt>& failures);

// Deletes up to `limit` events delivered longer than `retention` ago; returns how many.
boost::asio::awaitable<std::int64_t> prune_delivered(db::Pool& pool, std::chrono::hours retention,
                                                     int limit);

// Undelivered events and the age of the oldest, for /metrics and logs.
boost::asio::awaitable<Backlog> backlog(db::Pool& pool);

}  // namespace events
