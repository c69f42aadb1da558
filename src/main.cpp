// The service's entry point: reads the configuration, then either applies the migrations
// (`migrate`) or runs one instance (`serve`, app::Instance) until a signal stops it.
#include <cstdio>
#include <optional>
#include <random>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/instance.hpp"
#include "app/migrator.hpp"
#include "app/shutdown_watchdog.hpp"
#include "platform/config/config.hpp"
#include "platform/db/migrations.hpp"
#include "platform/log/log.hpp"

namespace {

std::string random_token() {
  std::random_device entropy;
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", entropy());
  return token;
}

int migrate_only(const config::Config& config) {
  try {
    const auto directory = app::migrations_directory(config);
    auto report = db::apply_migrations(config.database_url, db::load_migrations(directory),
                                       config.service_time_zone, db::load_functions(directory));
    for (const auto& version : report.applied) fmt::print("applied {}\n", version);
    for (const auto& name : report.functions_replaced) fmt::print("replaced function {}\n", name);
    fmt::print("schema up to date ({} applied now, {} before)\n", report.applied.size(),
               report.already_applied);
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "migration failed: {}\n", error.what());
    return 1;
  }
}

int serve(config::Config config) {
  // First, so that it is destroyed last: it bounds the whole stop, destructors included.
  app::ShutdownWatchdog watchdog;
  if (config.admin_token.empty()) {
    config.admin_token = random_token();
    spdlog::warn("msg=\"ADMIN_TOKEN not set; generated one for this run\" admin_token={}",
                 config.admin_token);
  }
  std::optional<app::Instance> instance;
  try {
    instance.emplace(config, watchdog);
  } catch (const config::ConfigError& error) {
    fmt::print(stderr, "configuration error: {}\n", error.what());
    return 2;
  }
  const int exit_code = instance->run();
  instance.reset();
  spdlog::info("msg=\"stopped\"");
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  config::Config config;
  try {
    config = config::from_environment();
  } catch (const config::ConfigError& error) {
    fmt::print(stderr, "configuration error: {}\n", error.what());
    return 2;
  }
  const std::string_view command = argc > 1 ? argv[1] : "serve";
  if (command == "migrate") return migrate_only(config);
  if (command != "serve") {
    fmt::print(stderr, "usage: {} [serve|migrate]\n", argv[0]);
    return 2;
  }
  logging::init(config.log_level);
  const int exit_code = serve(std::move(config));
  logging::shutdown();
  return exit_code;
}
