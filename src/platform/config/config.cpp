#include "platform/config/config.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace config {

namespace {

std::int64_t integer(const Lookup& lookup, std::string_view name, std::int64_t fallback,
                     std::int64_t min, std::int64_t max) {
  auto raw = lookup(name);
  if (!raw || raw->empty()) return fallback;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc{} || end != raw->data() + raw->size() || value < min || value > max) {
    throw ConfigError(
        fmt::format("{} must be an integer from {} to {}, got '{}'", name, min, max, *raw));
  }
  return value;
}

std::string text(const Lookup& lookup, std::string_view name, std::string fallback) {
  auto raw = lookup(name);
  return raw && !raw->empty() ? *raw : std::move(fallback);
}

bool flag(const Lookup& lookup, std::string_view name, bool fallback) {
  auto raw = lookup(name);
  if (!raw || raw->empty()) return fallback;
  if (*raw == "1" || *raw == "true" || *raw == "on" || *raw == "yes") return true;
  if (*raw == "0" || *raw == "false" || *raw == "off" || *raw == "no") return false;
  throw ConfigError(fmt::format("{} must be on or off, got '{}'", name, *raw));
}

}  // namespace

Config parse(const Lookup& lookup) {
  Config config;
  config.port = static_cast<std::uint16_t>(integer(lookup, "PORT", 8080, 0, 65535));
  config.database_url = text(lookup, "DATABASE_URL", "");
  if (config.database_url.empty()) {
    throw ConfigError(
        "DATABASE_URL is not set (./scripts/run starts a private PostgreSQL and sets it)");
  }
  config.database_read_url = text(lookup, "DATABASE_READ_URL", "");
  config.admin_token = text(lookup, "ADMIN_TOKEN", "");
  config.data_platform_url = text(lookup, "DATA_PLATFORM_URL", "");
  config.data_platform_secret = text(lookup, "DATA_PLATFORM_SECRET", "");
  config.data_platform_ca_file = text(lookup, "DATA_PLATFORM_CA_FILE", "");
  config.auth_jwt_secret = text(lookup, "AUTH_JWT_SECRET", "");
  config.auth_jwt_public_key_file = text(lookup, "AUTH_JWT_PUBLIC_KEY_FILE", "");
  if (!config.auth_jwt_secret.empty() && !config.auth_jwt_public_key_file.empty()) {
    throw ConfigError(
        "set AUTH_JWT_SECRET (HS256) or AUTH_JWT_PUBLIC_KEY_FILE (RS256/ES256), not both");
  }
  if (!config.auth_jwt_secret.empty() && config.auth_jwt_secret.size() < 32) {
    throw ConfigError(fmt::format(
        "AUTH_JWT_SECRET must be at least 32 bytes, got {} (e.g. `openssl rand -hex 32`)",
        config.auth_jwt_secret.size()));
  }
  config.auth_jwt_issuer = text(lookup, "AUTH_JWT_ISSUER", "");
  config.auth_jwt_audience = text(lookup, "AUTH_JWT_AUDIENCE", "");
  config.rate_limit_per_second = integer(lookup, "RATE_LIMIT_PER_SECOND", 0, 1, 1'000'000);
  config.rate_limit_burst =
      integer(lookup, "RATE_LIMIT_BURST", 2 * config.rate_limit_per_second, 1, 2'000'000);
  if (config.rate_limit_per_second == 0 && lookup("RATE_LIMIT_BURST").value_or("") != "") {
    throw ConfigError("RATE_LIMIT_BURST needs RATE_LIMIT_PER_SECOND");
  }
  config.outbox_lease_seconds = integer(lookup, "OUTBOX_LEASE_SECONDS", 30, 1, 3600);
  config.outbox_retention_hours = integer(lookup, "OUTBOX_RETENTION_HOURS", 24, 1, 24 * 365);
  config.order_payment_timeout_seconds =
      integer(lookup, "ORDER_PAYMENT_TIMEOUT_SECONDS", 600, 1, 7 * 24 * 3600);
  config.service_time_zone = text(lookup, "SERVICE_TIME_ZONE", "Asia/Seoul");
  for (char c : config.service_time_zone) {
    // The zone goes into the connection's options string: keep it to zone-name characters.
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
          c == '+')) {
      throw ConfigError("SERVICE_TIME_ZONE must be an IANA zone name such as Asia/Seoul");
    }
  }
  config.http_threads = static_cast<unsigned>(integer(lookup, "HTTP_THREADS", 0, 0, 256));
  config.db_pool_size_per_thread =
      static_cast<std::size_t>(integer(lookup, "DB_POOL_SIZE", 8, 1, 1000));
  config.db_max_connections =
      static_cast<std::size_t>(integer(lookup, "DB_MAX_CONNECTIONS", 0, 1, 100'000));
  if (config.db_max_connections != 0 && lookup("DB_POOL_SIZE").value_or("") != "") {
    throw ConfigError(
        "set DB_MAX_CONNECTIONS (the instance's total) or DB_POOL_SIZE (per loop), not both");
  }
  config.write_batches_in_flight =
      static_cast<std::size_t>(integer(lookup, "WRITE_BATCHES_IN_FLIGHT", 1, 1, 64));
  config.max_body_bytes =
      static_cast<std::size_t>(integer(lookup, "MAX_BODY_BYTES", 64 * 1024, 1024, 64 << 20));
  config.http_idle_timeout =
      std::chrono::seconds(integer(lookup, "HTTP_IDLE_TIMEOUT_SECONDS", 60, 1, 3600));
  config.request_deadline =
      std::chrono::milliseconds(integer(lookup, "REQUEST_DEADLINE_MS", 5000, 100, 600'000));
  config.http_header_timeout =
      std::chrono::seconds(integer(lookup, "HTTP_HEADER_TIMEOUT_SECONDS", 10, 1, 3600));
  config.http_max_connections =
      static_cast<std::size_t>(integer(lookup, "HTTP_MAX_CONNECTIONS", 10000, 1, 1'000'000));
  config.http_max_connections_per_client =
      static_cast<std::size_t>(integer(lookup, "HTTP_MAX_CONNECTIONS_PER_CLIENT", 0, 1, 1'000'000));
  config.metrics_token = text(lookup, "METRICS_TOKEN", "");
  config.shutdown_drain =
      std::chrono::milliseconds(integer(lookup, "SHUTDOWN_DRAIN_MS", 0, 0, 600'000));
  config.log_level = text(lookup, "LOG_LEVEL", "info");
  if (config.log_level != "trace" && config.log_level != "debug" && config.log_level != "info" &&
      config.log_level != "warn" && config.log_level != "error" && config.log_level != "off") {
    throw ConfigError("LOG_LEVEL must be one of trace, debug, info, warn, error, off");
  }
  config.access_log = flag(lookup, "ACCESS_LOG", true);
  config.migrations_dir = text(lookup, "MIGRATIONS_DIR", "");
  config.openapi_file = text(lookup, "OPENAPI_FILE", "");
  config.swagger_ui_dir = text(lookup, "SWAGGER_UI_DIR", "");
  config.console_web_dir = text(lookup, "CONSOLE_WEB_DIR", "");
  config.points_max_charge = integer(lookup, "POINTS_MAX_CHARGE", 1'000'000, 1, 1'000'000'000'000);
  config.points_max_balance =
      integer(lookup, "POINTS_MAX_BALANCE", 100'000'000, 1, 1'000'000'000'000'000);
  return config;
}

Config from_environment() {
  return parse([](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace config
