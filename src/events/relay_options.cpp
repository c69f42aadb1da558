#include "events/relay_options.hpp"

#include <variant>

#include "events/tls_client_context.hpp"

namespace events {

RelayOptions relay_options(const config::Config& config, const db::PoolOptions& database) {
  RelayOptions options;
  if (!config.data_platform_url.empty()) {
    options.platform = parse_sink_url(config.data_platform_url);
  }
  options.signing_secret = config.data_platform_secret;
  options.ca_file = config.data_platform_ca_file;
  if (const auto* http = options.platform ? std::get_if<PlatformUrl>(&*options.platform) : nullptr;
      http != nullptr && http->tls) {
    // Loaded here only to fail at start: each relay loads its own copy when it starts.
    make_tls_client_context(options.ca_file);
  }
  options.lease = std::chrono::seconds(config.outbox_lease_seconds);
  options.retention = std::chrono::hours(config.outbox_retention_hours);
  options.database = database;
  return options;
}

}  // namespace events
