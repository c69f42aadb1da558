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
                   std::atomic<bool>& schema_ready, std::function<void()> on_fatal)
    : thread_([url = config.database_url, zone = config.service_time_zone,
               dir = std::move(migrations_dir), &schema_ready,
               on_fatal = std::move(on_fatal)](std::stop_token stop) {
        bool warned = false;
        while (!stop.stop_requested()) {
          try {
            auto report = db::apply_migrations(url, db::load_migrations(dir), zone);
            spdlog::info("msg=\"schema ready\" applied={} already_applied={}",
                         report.applied.size(), report.already_applied);
            schema_ready.store(true, std::memory_order_release);
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
