#include "app/migrator.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "platform/db/errors.hpp"
#include "platform/db/migrations.hpp"

namespace app {

std::string migrations_directory(const config::Config& config) {
  if (!config.migrations_dir.empty()) return config.migrations_dir;
  return std::string(ECOMMERCE_SOURCE_DIR) + "/db/migrations";
}

Migrator::Migrator(const config::Config& config, std::string migrations_dir,
                   ConnectionBudget budget, std::atomic<bool>& schema_ready,
                   std::function<void()> on_fatal)
    : thread_([url = config.database_url, zone = config.service_time_zone,
               dir = std::move(migrations_dir), budget, &schema_ready,
               on_fatal = std::move(on_fatal)](std::stop_token stop) {
        bool warned = false;
        while (!stop.stop_requested()) {
          try {
            auto report =
                db::apply_migrations(url, db::load_migrations(dir), zone, db::load_functions(dir));
            // Before anything else connects: a budget that does not fit would otherwise
            // surface later, under load, as "too many clients" (53300) on some request.
            auto room = check_connection_budget(url, budget);
            spdlog::info(
                "msg=\"schema ready\" applied={} already_applied={} functions_replaced={} "
                "db_connections={} db_connections_available={}",
                report.applied.size(), report.already_applied, report.functions_replaced.size(),
                budget.total, room.available());
            schema_ready.store(true, std::memory_order_release);
            return;
          } catch (const ConnectionBudgetExceeded& error) {
            spdlog::critical("msg=\"database connection budget does not fit\" error=\"{}\"",
                             error.what());
            on_fatal();
            return;
          } catch (const db::DbUnavailable& error) {
            if (!warned)
              spdlog::warn("msg=\"database unreachable, retrying\" error=\"{}\"", error.what());
            warned = true;
          } catch (const std::exception& error) {
            spdlog::critical("msg=\"migrations failed\" error=\"{}\"", error.what());
            on_fatal();
            return;
          }
          for (int i = 0; i < 10 && !stop.stop_requested(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }
      }) {}

Migrator::~Migrator() {
  thread_.request_stop();
}

}  // namespace app
