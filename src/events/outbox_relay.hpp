#pragma once

#include <atomic>

#include <boost/asio/awaitable.hpp>

#include "events/outbox_wakeup.hpp"
#include "events/relay_options.hpp"
#include "events/relay_stats.hpp"

namespace events {

// Delivers ORDER_PAID events from the outbox to the data platform until `stopping`, in
// every instance: woken through `wakeup` after each payment of this process commits,
// by NOTIFY outbox_events from anywhere (an operator's retry, a tool), and by a poll timer
// (events of other instances that died before delivering them), claims due rows with SKIP LOCKED
// under a lease, POSTs them with bounded concurrency, and marks them delivered or reschedules them
// with backoff. Also prunes old delivered rows. Runs on the calling coroutine's executor;
// `schema_ready` gates its database work until migrations are applied; its counters go to
// `stats` (for /metrics).
boost::asio::awaitable<void> run_outbox_relay(RelayOptions options,
                                              const std::atomic<bool>* schema_ready,
                                              const std::atomic<bool>& stopping,
                                              OutboxWakeup& wakeup, RelayStats& stats);

}  // namespace events
