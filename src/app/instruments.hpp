#pragma once

#include <memory>

#include "events/relay_stats.hpp"
#include "operations/observability.hpp"
#include "platform/db/read_replica.hpp"
#include "platform/db/write_batch_metrics.hpp"
#include "platform/db/write_outcome.hpp"
#include "platform/metrics/http_metrics.hpp"
#include "platform/metrics/text_snapshot.hpp"
#include "stats/best_sellers_counts.hpp"

namespace app {

// What the instance counts and /metrics reports, shared by every loop: built before the
// loops and outliving them. The collectors it registers point into this object, so it
// neither copies nor moves.
struct Instruments {
  // `loops`: HTTP metrics keep one shard per event loop. `with_replica`: report the read
  // replica's lag (DATABASE_READ_URL), once `replica` is set. `answers`: the instance's
  // lost-answer watch, whose counters are reported.
  Instruments(unsigned loops, bool with_replica, std::shared_ptr<const db::AnswerWatch> answers);
  Instruments(const Instruments&) = delete;
  Instruments& operator=(const Instruments&) = delete;

  metrics::HttpMetrics http;
  stats::BestSellersCounts best_sellers;  // the routes count
  events::RelayStats relay;               // the outbox relay counts
  db::WriteBatchSizes batch_sizes;        // the batched writes record
  metrics::TextSnapshot snapshot;         // the metrics-snapshot task writes, scrapes read
  // Set while the replica's probe runs (app::BackgroundWork), before the loops run and
  // cleared after they end: loops read it without a lock.
  const db::ReadReplica* replica = nullptr;
  std::shared_ptr<const db::AnswerWatch> answers;
  // The pools are added as they are made (app::EventLoops, the write lane).
  operations::Observability observability;
};

}  // namespace app
