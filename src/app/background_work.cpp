#include "app/background_work.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "app/connection_budget.hpp"
#include "idempotency/idempotent_request.hpp"
#include "operations/metrics_route.hpp"
#include "orders/expiry_sweeper.hpp"
#include "platform/db/write_outcome.hpp"
#include "stats/sales_folder.hpp"

namespace app {

BackgroundWork::BackgroundWork(Dependencies dependencies) : dependencies_(std::move(dependencies)) {
  db::PoolOptions pool_options = dependencies_.pool_options;
  pool_options.max_connections = kBackgroundTaskConnections;
  pool_ = std::make_unique<db::Pool>(dependencies_.loop.get_executor(), pool_options,
                                     &dependencies_.schema_ready);
  // Unpaid orders expire with no request needed; one sweeper per instance is plenty.
  add_task("expiry-sweeper", std::chrono::milliseconds(1000), orders::sweep_expired_orders);
  add_task("idempotency-key-pruner", std::chrono::minutes(1), idempotency::prune_all_expired_keys);
  add_task("write-outcome-pruner", std::chrono::seconds(30), db::prune_write_outcomes);
  add_task("sales-folder", std::chrono::milliseconds(1000), stats::fold_all_pending_sales);
  add_task("metrics-snapshot", std::chrono::milliseconds(1000),
           [&observability = dependencies_.instruments.observability](db::Pool& pool) {
             return operations::refresh_metrics_snapshot(observability, pool);
           });
}

BackgroundWork::~BackgroundWork() {
  dependencies_.instruments.replica = nullptr;
  tasks_.clear();
  pool_.reset();
}

void BackgroundWork::add_task(std::string name, std::chrono::milliseconds period,
                              std::function<boost::asio::awaitable<void>(db::Pool&)> step) {
  tasks::PeriodicSettings settings;
  settings.period = period;
  tasks_.push_back(std::make_unique<tasks::PeriodicTask>(
      dependencies_.loop.get_executor(), std::move(name), settings,
      [&pool = *pool_, step = std::move(step)]() { return step(pool); }));
}

void BackgroundWork::start() {
  for (auto& task : tasks_) task->start();
  if (dependencies_.replica != nullptr) {
    dependencies_.instruments.replica = dependencies_.replica;
    dependencies_.replica->start();
    spdlog::info(
        "msg=\"stale reads from DATABASE_READ_URL while its replica is at most 5 s behind\"");
  }
  // Paid-order events go to the data platform from every instance (they share the work).
  boost::asio::co_spawn(
      dependencies_.loop,
      events::run_outbox_relay(dependencies_.relay, &dependencies_.schema_ready, relay_stopping_,
                               dependencies_.outbox_wakeup, dependencies_.instruments.relay),
      boost::asio::detached);
}

boost::asio::awaitable<void> BackgroundWork::stop() {
  relay_stopping_ = true;
  if (dependencies_.replica != nullptr) co_await dependencies_.replica->stop();
  for (auto it = tasks_.rbegin(); it != tasks_.rend(); ++it) co_await (*it)->stop();
}

}  // namespace app
