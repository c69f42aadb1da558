#include "app/event_loops.hpp"

#include <algorithm>

#include "app/routes.hpp"

namespace app {

EventLoops::EventLoops(unsigned count, const db::PoolOptions& pool_options,
                       const LoopDependencies& shared) {
  const config::Config& config = shared.config;
  // The replica's pools are the primary's options on another URL, a quarter of the size
  // (they serve only best sellers and product listings), and go through ReadReplica's probe.
  db::PoolOptions replica_pool_options = pool_options;
  replica_pool_options.connect.url = config.database_read_url;
  replica_pool_options.max_connections = std::max<std::size_t>(1, pool_options.max_connections / 4);
  for (unsigned i = 0; i < count; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->pool = std::make_unique<db::Pool>(loop->context.get_executor(), pool_options,
                                            &shared.schema_ready);
    if (!config.database_read_url.empty()) {
      if (!replica_) {
        replica_ =
            std::make_unique<db::ReadReplica>(loop->context.get_executor(), replica_pool_options);
      }
      loop->replica_pool = std::make_unique<db::Pool>(loop->context.get_executor(),
                                                      replica_pool_options, &shared.schema_ready);
      loop->stale_reads =
          std::make_unique<db::StaleReads>(*loop->pool, loop->replica_pool.get(), replica_.get());
    }
    loop->services = std::make_unique<Services>(Services{
        *loop->pool, config, shared.schema_ready, shared.draining, shared.instruments.observability,
        shared.outbox_wakeup, shared.instruments.best_sellers, shared.docs_files,
        shared.write_batchers, loop->stale_reads.get(), shared.console_files});
    shared.instruments.observability.pools.push_back(loop->pool.get());
    add_all_routes(loop->router, *loop->services);
    loops_.push_back(std::move(loop));
  }
}

EventLoops::~EventLoops() {
  release();
}

std::vector<http::LoopRoutes> EventLoops::routes() const {
  std::vector<http::LoopRoutes> routes;
  for (const auto& loop : loops_) routes.push_back({&loop->context, &loop->router});
  return routes;
}

void EventLoops::release() {
  for (auto& loop : loops_) {
    loop->services.reset();
    loop->stale_reads.reset();
    loop->replica_pool.reset();
    loop->pool.reset();
  }
  replica_.reset();
}

}  // namespace app
