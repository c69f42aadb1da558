#pragma once

#include <atomic>
#include <memory>

#include "app/write_batchers.hpp"
#include "console/console_files.hpp"
#include "docs/docs_assets.hpp"
#include "events/outbox_wakeup.hpp"
#include "operations/observability.hpp"
#include "platform/config/config.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/read_replica.hpp"
#include "stats/best_sellers_counts.hpp"

namespace app {

// What handlers on one event loop may use. Each loop has its own (its own pool), so a
// handler's database work stays on its thread.
struct Services {
  db::Pool& db;
  const config::Config& config;
  const std::atomic<bool>& schema_ready;
  // Set on SIGTERM: the instance is going away, so /ready says 503 while requests go on.
  const std::atomic<bool>& draining;
  const operations::Observability& observability;
  // Payments tell this process's outbox relay about the events they committed.
  events::OutboxWakeup& outbox_wakeup;
  // Best-seller rankings read from the database, over every loop (for /metrics).
  stats::BestSellersCounts& best_sellers_counts;
  // The OpenAPI description and Swagger UI files, read once at start.
  std::shared_ptr<const docs::DocsFiles> docs_files;
  // Charges, one-product orders and payments, batched over every loop of the instance.
  WriteBatchers& write_batchers;
  // Where reads that may be stale go (best sellers, product names, prices, descriptions):
  // the loop's replica pool while DATABASE_READ_URL's replica is usable. Null: from `db`.
  db::StaleReads* stale_reads = nullptr;
  // The console's files, read once at start (null: /console answers 503).
  std::shared_ptr<const console::LoadedConsole> console_files{};

  db::StaleReads stale_reads_or_primary() const {
    return stale_reads != nullptr ? *stale_reads : db::StaleReads(db, nullptr, nullptr);
  }
};

}  // namespace app
