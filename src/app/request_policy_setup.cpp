#include "app/request_policy_setup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "platform/os/read_file.hpp"

namespace app {

namespace {

std::string read_key_file(const std::string& path) {
  auto text = os::read_file(path);
  if (!text) {
    throw config::ConfigError(fmt::format("AUTH_JWT_PUBLIC_KEY_FILE: cannot read {}", path));
  }
  return std::move(*text);
}

std::shared_ptr<const auth::JwtVerifier> make_verifier(const config::Config& config) {
  auth::JwtRules rules{config.auth_jwt_issuer, config.auth_jwt_audience, 60};
  try {
    if (!config.auth_jwt_secret.empty()) {
      return std::make_shared<const auth::JwtVerifier>(
          auth::JwtVerifier::with_secret(config.auth_jwt_secret, std::move(rules)));
    }
    if (!config.auth_jwt_public_key_file.empty()) {
      return std::make_shared<const auth::JwtVerifier>(auth::JwtVerifier::with_public_key_pem(
          read_key_file(config.auth_jwt_public_key_file), std::move(rules)));
    }
  } catch (const auth::JwtKeyError& error) {
    const char* variable =
        config.auth_jwt_secret.empty() ? "AUTH_JWT_PUBLIC_KEY_FILE" : "AUTH_JWT_SECRET";
    throw config::ConfigError(fmt::format("{}: {}", variable, error.what()));
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<http::RequestPolicy> make_request_policy(const config::Config& config) {
  http::RequestPolicy::Options options;
  options.admin_token = config.admin_token;
  options.metrics_token = config.metrics_token;
  options.users = make_verifier(config);
  if (options.users) {
    spdlog::info("msg=\"user authentication on\" algorithm={} issuer=\"{}\" audience=\"{}\"",
                 auth::algorithm_name(options.users->algorithm()), config.auth_jwt_issuer,
                 config.auth_jwt_audience);
  } else {
    spdlog::warn(
        "msg=\"user authentication is OFF: any caller may act for any userId; set "
        "AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY_FILE in any real deployment\"");
  }
  if (config.rate_limit_per_second > 0) {
    ratelimit::ClientRateLimiter::Options limits;
    limits.per_second = static_cast<double>(config.rate_limit_per_second);
    limits.burst = static_cast<double>(config.rate_limit_burst);
    options.limiter = std::make_shared<ratelimit::ClientRateLimiter>(limits);
    spdlog::info("msg=\"rate limit on\" per_second={} burst={} max_clients={}",
                 config.rate_limit_per_second, config.rate_limit_burst, limits.max_clients);
  }
  return std::make_unique<http::RequestPolicy>(std::move(options));
}

}  // namespace app
