#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Everything the service reads from its environment, validated once at start.
struct Config {
  std::uint16_t port = 8080;
  std::string database_url;
  // A streaming replica for the reads the contract lets be stale; empty: all from
  // database_url.
  std::string database_read_url;
  std::string admin_token;  // empty: main() generates one and prints it
  std::string data_platform_url;
  std::string data_platform_secret;   // signs HTTP events (X-Signature); empty: unsigned
  std::string data_platform_ca_file;  // PEM CAs for an https:// platform; empty: system store
  // User authentication: an HS256 secret or a PEM public key file (RS256/ES256); neither:
  // off. Issuer and audience are checked when set.
  std::string auth_jwt_secret;
  std::string auth_jwt_public_key_file;
  std::string auth_jwt_issuer;
  std::string auth_jwt_audience;
  // Requests per second per client on /api/v1/* (0: no limit) and the bucket size.
  std::int64_t rate_limit_per_second = 0;
  std::int64_t rate_limit_burst = 0;
  // Outbox relay: how long a claimed event is reserved for one relay's delivery attempt
  // (after that another relay may retry it), and how long delivered events are kept.
  std::int64_t outbox_lease_seconds = 30;
  std::int64_t outbox_retention_hours = 24;
  std::int64_t order_payment_timeout_seconds = 600;
  std::string service_time_zone = "Asia/Seoul";

  unsigned http_threads = 0;  // 0: one per core
  std::size_t db_pool_size_per_thread = 8;
  // The instance's whole PostgreSQL connection budget (loops' pools and background work);
  // 0: DB_POOL_SIZE per loop plus the background connections.
  std::size_t db_max_connections = 0;
  // Batched writes (charges, one-product orders, payments, coupon issues): batches of one
  // kind in flight at once per instance. One makes the largest batches (fewest commits per
  // write).
  std::size_t write_batches_in_flight = 1;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::seconds http_idle_timeout{60};
  // Runtime discipline: a request's database work (each statement's statement_timeout and
  // lock_timeout), the time a client has to send a whole request header, and the open
  // connections the server holds at most (the newest beyond that are refused with 503).
  std::chrono::milliseconds request_deadline{5000};
  std::chrono::seconds http_header_timeout{10};
  std::size_t http_max_connections = 10000;
  // Connections one client address (IPv6: its /64) may hold; 0: a tenth of the server's.
  std::size_t http_max_connections_per_client = 0;
  // When set, /metrics needs "Authorization: Bearer <metrics_token>".
  std::string metrics_token;
  // After SIGTERM: how long /ready answers 503 while the server still accepts and serves,
  // so a load balancer's health checks take the instance out before its socket closes.
  std::chrono::milliseconds shutdown_drain{0};
  std::string log_level = "info";
  bool access_log = true;
  std::string migrations_dir;
  std::string openapi_file;    // empty: api/openapi.yaml of the source tree
  std::string swagger_ui_dir;  // empty: web/node_modules/swagger-ui-dist of the source tree
  // The files behind /console: <dir>/console/* and <dir>/node_modules/uplot/dist/*.
  std::string console_web_dir;  // empty: web/ of the source tree

  std::int64_t points_max_charge = 1'000'000;
  std::int64_t points_max_balance = 100'000'000;
};

using Lookup = std::function<std::optional<std::string>(std::string_view)>;

// Parses the configuration from a variable lookup (the process environment in main,
// a map in tests). Throws ConfigError naming the variable that is wrong.
Config parse(const Lookup& lookup);
Config from_environment();

}  // namespace config
