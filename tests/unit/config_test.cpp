#include <map>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "platform/config/config.hpp"

namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

config::Config parse(Vars vars) {
  return config::parse(
      [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto found = vars.find(name);
        if (found == vars.end()) return std::nullopt;
        return found->second;
      });
}

Vars minimal() {
  return {{"DATABASE_URL", "postgresql://localhost/db"}};
}

Vars with(std::string name, std::string value) {
  auto vars = minimal();
  vars[std::move(name)] = std::move(value);
  return vars;
}

// Expects a ConfigError whose message names `variable`.
void expect_error_naming(const Vars& vars, std::string_view variable) {
  try {
    parse(vars);
    ADD_FAILURE() << "expected ConfigError naming " << variable;
  } catch (const config::ConfigError& error) {
    EXPECT_NE(std::string_view(error.what()).find(variable), std::string_view::npos)
        << error.what();
  }
}

TEST(ConfigParse, Defaults) {
  auto config = parse(minimal());
  EXPECT_EQ(config.port, 8080);
  EXPECT_EQ(config.database_url, "postgresql://localhost/db");
  EXPECT_EQ(config.admin_token, "");
  EXPECT_EQ(config.data_platform_url, "");
  EXPECT_EQ(config.order_payment_timeout_seconds, 600);
  EXPECT_EQ(config.service_time_zone, "Asia/Seoul");
  EXPECT_EQ(config.http_threads, 0u);
  EXPECT_EQ(config.db_pool_size_per_thread, 8u);
  EXPECT_EQ(config.write_batches_in_flight, 1u);
  EXPECT_EQ(config.max_body_bytes, 64u * 1024u);
  EXPECT_EQ(config.http_idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(config.log_level, "info");
  EXPECT_TRUE(config.access_log);
  EXPECT_EQ(config.migrations_dir, "");
  EXPECT_EQ(config.points_max_charge, 1'000'000);
  EXPECT_EQ(config.points_max_balance, 100'000'000);
}

TEST(ConfigParse, EmptyValuesMeanDefault) {
  auto vars = minimal();
  for (const char* name : {"PORT", "HTTP_THREADS", "DB_POOL_SIZE", "LOG_LEVEL", "ACCESS_LOG",
                           "SERVICE_TIME_ZONE", "POINTS_MAX_CHARGE"}) {
    vars[name] = "";
  }
  auto config = parse(vars);
  EXPECT_EQ(config.port, 8080);
  EXPECT_EQ(config.http_threads, 0u);
  EXPECT_EQ(config.db_pool_size_per_thread, 8u);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_TRUE(config.access_log);
  EXPECT_EQ(config.service_time_zone, "Asia/Seoul");
  EXPECT_EQ(config.points_max_charge, 1'000'000);
}

TEST(ConfigParse, ReadsEveryVariable) {
  Vars vars{{"PORT", "9090"},
            {"DATABASE_URL", "postgresql://u@h/d"},
            {"ADMIN_TOKEN", "secret"},
            {"DATA_PLATFORM_URL", "http://dp"},
            {"ORDER_PAYMENT_TIMEOUT_SECONDS", "30"},
            {"SERVICE_TIME_ZONE", "Etc/GMT+9"},
            {"HTTP_THREADS", "4"},
            {"DB_POOL_SIZE", "16"},
            {"MAX_BODY_BYTES", "2048"},
            {"HTTP_IDLE_TIMEOUT_SECONDS", "5"},
            {"LOG_LEVEL", "debug"},
            {"ACCESS_LOG", "off"},
            {"MIGRATIONS_DIR", "/tmp/m"},
            {"POINTS_MAX_CHARGE", "500"},
            {"POINTS_MAX_BALANCE", "1000"}};
  auto config = parse(vars);
  EXPECT_EQ(config.port, 9090);
  EXPECT_EQ(config.database_url, "postgresql://u@h/d");
  EXPECT_EQ(config.admin_token, "secret");
  EXPECT_EQ(config.data_platform_url, "http://dp");
  EXPECT_EQ(config.order_payment_timeout_seconds, 30);
  EXPECT_EQ(config.service_time_zone, "Etc/GMT+9");
  EXPECT_EQ(config.http_threads, 4u);
  EXPECT_EQ(config.db_pool_size_per_thread, 16u);
  EXPECT_EQ(config.max_body_bytes, 2048u);
  EXPECT_EQ(config.http_idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_FALSE(config.access_log);
  EXPECT_EQ(config.migrations_dir, "/tmp/m");
  EXPECT_EQ(config.points_max_charge, 500);
  EXPECT_EQ(config.points_max_balance, 1000);
}

TEST(ConfigParse, DatabaseUrlIsRequired) {
  expect_error_naming({}, "DATABASE_URL");
  expect_error_naming({{"DATABASE_URL", ""}}, "DATABASE_URL");
}

TEST(ConfigParse, IntegerBoundsAreInclusive) {
  EXPECT_EQ(parse(with("PORT", "0")).port, 0);
  EXPECT_EQ(parse(with("PORT", "65535")).port, 65535);
  EXPECT_EQ(parse(with("HTTP_THREADS", "256")).http_threads, 256u);
  EXPECT_EQ(parse(with("DB_POOL_SIZE", "1")).db_pool_size_per_thread, 1u);
  EXPECT_EQ(parse(with("DB_POOL_SIZE", "1000")).db_pool_size_per_thread, 1000u);
  EXPECT_EQ(parse(minimal()).db_max_connections, 0u);
  EXPECT_EQ(parse(with("DB_MAX_CONNECTIONS", "40")).db_max_connections, 40u);
  EXPECT_EQ(parse(with("WRITE_BATCHES_IN_FLIGHT", "1")).write_batches_in_flight, 1u);
  EXPECT_EQ(parse(with("WRITE_BATCHES_IN_FLIGHT", "64")).write_batches_in_flight, 64u);
  EXPECT_EQ(parse(with("MAX_BODY_BYTES", "1024")).max_body_bytes, 1024u);
  EXPECT_EQ(parse(with("MAX_BODY_BYTES", "67108864")).max_body_bytes, 64u << 20);
  EXPECT_EQ(parse(with("ORDER_PAYMENT_TIMEOUT_SECONDS", "604800")).order_payment_timeout_seconds,
            604800);
  EXPECT_EQ(parse(with("HTTP_IDLE_TIMEOUT_SECONDS", "3600")).http_idle_timeout.count(), 3600);
  EXPECT_EQ(parse(minimal()).shutdown_drain.count(), 0);
  EXPECT_EQ(parse(with("SHUTDOWN_DRAIN_MS", "1500")).shutdown_drain.count(), 1500);
  EXPECT_EQ(parse(with("SHUTDOWN_DRAIN_MS", "600000")).shutdown_drain.count(), 600000);
  EXPECT_THROW(parse(with("SHUTDOWN_DRAIN_MS", "-1")), config::ConfigError);
  EXPECT_EQ(parse(with("POINTS_MAX_CHARGE", "1000000000000")).points_max_charge, 1'000'000'000'000);
  EXPECT_EQ(parse(with("POINTS_MAX_BALANCE", "1000000000000000")).points_max_balance,
            1'000'000'000'000'000);
}

struct BadValue {
  const char* name;
  const char* value;
};

void PrintTo(const BadValue& bad, std::ostream* out) {
  *out << bad.name << "='" << bad.value << "'";
}

class ConfigBadValue : public ::testing::TestWithParam<BadValue> {};

TEST_P(ConfigBadValue, ThrowsNamingTheVariable) {
  expect_error_naming(with(GetParam().name, GetParam().value), GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(
    OutOfRangeOrJunk, ConfigBadValue,
    ::testing::Values(
        BadValue{"PORT", "65536"}, BadValue{"PORT", "-1"}, BadValue{"PORT", "80a"},
        BadValue{"PORT", " 80"}, BadValue{"PORT", "+80"}, BadValue{"PORT", "0x50"},
        BadValue{"PORT", "99999999999999999999"}, BadValue{"ORDER_PAYMENT_TIMEOUT_SECONDS", "0"},
        BadValue{"ORDER_PAYMENT_TIMEOUT_SECONDS", "604801"}, BadValue{"HTTP_THREADS", "257"},
        BadValue{"HTTP_THREADS", "two"}, BadValue{"DB_POOL_SIZE", "0"},
        BadValue{"DB_POOL_SIZE", "1001"}, BadValue{"DB_MAX_CONNECTIONS", "0"},
        BadValue{"DB_MAX_CONNECTIONS", "100001"}, BadValue{"WRITE_BATCHES_IN_FLIGHT", "0"},
        BadValue{"WRITE_BATCHES_IN_FLIGHT", "65"}, BadValue{"MAX_BODY_BYTES", "1023"},
        BadValue{"MAX_BODY_BYTES", "67108865"}, BadValue{"HTTP_IDLE_TIMEOUT_SECONDS", "0"},
        BadValue{"HTTP_IDLE_TIMEOUT_SECONDS", "3601"}, BadValue{"POINTS_MAX_CHARGE", "0"},
        BadValue{"POINTS_MAX_CHARGE", "1000000000001"}, BadValue{"POINTS_MAX_BALANCE", "0"},
        BadValue{"POINTS_MAX_BALANCE", "1000000000000001"}, BadValue{"LOG_LEVEL", "verbose"},
        BadValue{"LOG_LEVEL", "INFO"}, BadValue{"ACCESS_LOG", "maybe"},
        BadValue{"ACCESS_LOG", "TRUE"}, BadValue{"SERVICE_TIME_ZONE", "Asia/Seoul -c x=y"},
        BadValue{"SERVICE_TIME_ZONE", "UTC'"}, BadValue{"SERVICE_TIME_ZONE", "Asia/Seoul x"},
        BadValue{"SERVICE_TIME_ZONE", "Asia/Seoul\tx"},
        BadValue{"SERVICE_TIME_ZONE", "Asia\\Seoul"}, BadValue{"SERVICE_TIME_ZONE", "Asia/Seoul;"}),
    [](const ::testing::TestParamInfo<BadValue>& info) {
      return std::string(info.param.name) + "_" + std::to_string(info.index);
    });

TEST(ConfigParse, ServiceTimeZoneAcceptsZoneNameCharacters) {
  for (const char* zone : {"UTC", "Asia/Seoul", "America/Argentina/Buenos_Aires", "Etc/GMT-14",
                           "Etc/GMT+9", "America/Port-au-Prince"}) {
    EXPECT_EQ(parse(with("SERVICE_TIME_ZONE", zone)).service_time_zone, zone);
  }
}

TEST(ConfigParse, LogLevels) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    EXPECT_EQ(parse(with("LOG_LEVEL", level)).log_level, level);
  }
}

TEST(ConfigParse, AccessLogFlags) {
  for (const char* on : {"1", "true", "on", "yes"}) {
    EXPECT_TRUE(parse(with("ACCESS_LOG", on)).access_log) << on;
  }
  for (const char* off : {"0", "false", "off", "no"}) {
    EXPECT_FALSE(parse(with("ACCESS_LOG", off)).access_log) << off;
  }
}

TEST(ConfigParse, DbMaxConnectionsAndDbPoolSizeExcludeEachOther) {
  auto vars = with("DB_MAX_CONNECTIONS", "40");
  vars["DB_POOL_SIZE"] = "8";
  expect_error_naming(vars, "DB_MAX_CONNECTIONS");
}

TEST(ConfigParse, LooksUpOnlyKnownNames) {
  std::vector<std::string> asked;
  config::parse([&](std::string_view name) -> std::optional<std::string> {
    asked.emplace_back(name);
    if (name == "DATABASE_URL") return "x";
    return std::nullopt;
  });
  EXPECT_NE(std::find(asked.begin(), asked.end(), "DATABASE_URL"), asked.end());
  EXPECT_NE(std::find(asked.begin(), asked.end(), "PORT"), asked.end());
  EXPECT_NE(std::find(asked.begin(), asked.end(), "POINTS_MAX_BALANCE"), asked.end());
}

TEST(ConfigParse, UserAuthenticationAndRateLimits) {
  auto off = parse(minimal());
  EXPECT_EQ(off.auth_jwt_secret, "");
  EXPECT_EQ(off.auth_jwt_public_key_file, "");
  EXPECT_EQ(off.rate_limit_per_second, 0);
  EXPECT_EQ(off.data_platform_secret, "");

  const std::string secret(32, 's');
  auto on = parse({{"DATABASE_URL", "x"},
                   {"AUTH_JWT_SECRET", secret},
                   {"AUTH_JWT_ISSUER", "https://issuer"},
                   {"AUTH_JWT_AUDIENCE", "shop"},
                   {"RATE_LIMIT_PER_SECOND", "50"},
                   {"DATA_PLATFORM_SECRET", "webhook"}});
  EXPECT_EQ(on.auth_jwt_secret, secret);
  EXPECT_EQ(on.auth_jwt_issuer, "https://issuer");
  EXPECT_EQ(on.auth_jwt_audience, "shop");
  EXPECT_EQ(on.rate_limit_per_second, 50);
  EXPECT_EQ(on.rate_limit_burst, 100);  // twice the rate by default
  EXPECT_EQ(on.data_platform_secret, "webhook");

  auto burst =
      parse({{"DATABASE_URL", "x"}, {"RATE_LIMIT_PER_SECOND", "5"}, {"RATE_LIMIT_BURST", "7"}});
  EXPECT_EQ(burst.rate_limit_burst, 7);
}

TEST(ConfigParse, PerClientConnectionsAndTheMetricsToken) {
  auto defaults = parse(minimal());
  EXPECT_EQ(defaults.http_max_connections_per_client, 0u);  // the server takes a tenth
  EXPECT_EQ(defaults.metrics_token, "");
  auto set = parse({{"DATABASE_URL", "x"},
                    {"HTTP_MAX_CONNECTIONS_PER_CLIENT", "25"},
                    {"METRICS_TOKEN", "scrape"}});
  EXPECT_EQ(set.http_max_connections_per_client, 25u);
  EXPECT_EQ(set.metrics_token, "scrape");
  expect_error_naming(with("HTTP_MAX_CONNECTIONS_PER_CLIENT", "0"),
                      "HTTP_MAX_CONNECTIONS_PER_CLIENT");
  expect_error_naming(with("HTTP_MAX_CONNECTIONS_PER_CLIENT", "ten"),
                      "HTTP_MAX_CONNECTIONS_PER_CLIENT");
}

TEST(ConfigParse, RefusesUnusableAuthenticationSettings) {
  EXPECT_THROW(parse(with("AUTH_JWT_SECRET", std::string(31, 's'))), config::ConfigError);
  EXPECT_THROW(parse({{"DATABASE_URL", "x"},
                      {"AUTH_JWT_SECRET", std::string(32, 's')},
                      {"AUTH_JWT_PUBLIC_KEY_FILE", "/etc/key.pem"}}),
               config::ConfigError);
  EXPECT_THROW(parse(with("RATE_LIMIT_PER_SECOND", "0")), config::ConfigError);
  EXPECT_THROW(parse(with("RATE_LIMIT_BURST", "10")), config::ConfigError);
}

}  // namespace
