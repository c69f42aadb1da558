#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <gtest/gtest.h>

#include "events/platform_url.hpp"
#include "events/relay_options.hpp"
#include "platform/config/config.hpp"

namespace {

using events::parse_platform_url;

void expect_rejected(std::string_view url, std::string_view reason) {
  try {
    parse_platform_url(url);
    ADD_FAILURE() << "accepted " << url;
  } catch (const config::ConfigError& error) {
    const std::string_view message = error.what();
    EXPECT_NE(message.find("DATA_PLATFORM_URL"), std::string_view::npos) << message;
    EXPECT_NE(message.find(reason), std::string_view::npos) << message;
  }
}

TEST(EventsPlatformUrl, HostPortAndPath) {
  auto url = parse_platform_url("http://platform.internal:8081/v1/events");
  EXPECT_EQ(url.host, "platform.internal");
  EXPECT_EQ(url.port, 8081);
  EXPECT_EQ(url.target, "/v1/events");
  EXPECT_EQ(url.host_header, "platform.internal:8081");
}

TEST(EventsPlatformUrl, DefaultsToPort80AndRoot) {
  auto url = parse_platform_url("http://platform");
  EXPECT_EQ(url.host, "platform");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.target, "/");
  EXPECT_EQ(url.host_header, "platform");
}

TEST(EventsPlatformUrl, KeepsTheQuery) {
  EXPECT_EQ(parse_platform_url("http://h:9/in?source=shop&v=2").target, "/in?source=shop&v=2");
  EXPECT_EQ(parse_platform_url("http://h?x=1").target, "/?x=1");
}

TEST(EventsPlatformUrl, Addresses) {
  auto v4 = parse_platform_url("http://127.0.0.1:5000/e");
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.host_header, "127.0.0.1:5000");
  auto v6 = parse_platform_url("http://[::1]:5000/e");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.host_header, "[::1]:5000");
}

TEST(EventsPlatformUrl, SchemeIsCaseInsensitive) {
  EXPECT_EQ(parse_platform_url("HTTP://h/e").host, "h");
}

TEST(EventsPlatformUrl, HttpsIsTlsOnPort443ByDefault) {
  auto url = parse_platform_url("https://platform.example.com/events");
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.host, "platform.example.com");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.host_header, "platform.example.com");
  auto other_port = parse_platform_url("HTTPS://127.0.0.1:8443/e");
  EXPECT_TRUE(other_port.tls);
  EXPECT_EQ(other_port.port, 8443);
  EXPECT_EQ(other_port.host_header, "127.0.0.1:8443");
  EXPECT_FALSE(parse_platform_url("http://h/e").tls);
  // Port 80 is not https's default: the Host header names it.
  EXPECT_EQ(parse_platform_url("https://h:80/e").host_header, "h:80");
}

TEST(EventsPlatformUrl, OtherInputsAreRejected) {
  expect_rejected("ftp://h/x", "must use http:// or https://");
  expect_rejected("platform:8080", "must use http:// or https://");
  expect_rejected("not a url", "absolute http:// or https:// URL");
  expect_rejected("/relative/path", "absolute http:// or https:// URL");
  expect_rejected("https://user:secret@h/x", "user info");
  expect_rejected("http:///path", "must name a host");
  expect_rejected("http:/path", "must name a host");
  expect_rejected("http://user:secret@h/x", "user info");
  expect_rejected("http://h/x#frag", "fragment");
  expect_rejected("http://h:0/x", "invalid port");
  expect_rejected("http://h:/x", "invalid port");
}

config::Config config_with(std::map<std::string, std::string, std::less<>> vars) {
  vars.emplace("DATABASE_URL", "postgresql://localhost/db");
  return config::parse([&vars](std::string_view name) -> std::optional<std::string> {
    auto found = vars.find(name);
    if (found == vars.end()) return std::nullopt;
    return found->second;
  });
}

TEST(EventsRelayOptions, FromConfiguration) {
  auto options = events::relay_options(config_with({{"DATA_PLATFORM_URL", "http://p:81/e"},
                                                    {"OUTBOX_LEASE_SECONDS", "7"},
                                                    {"OUTBOX_RETENTION_HOURS", "48"}}),
                                       db::PoolOptions{});
  ASSERT_TRUE(options.platform.has_value());
  EXPECT_EQ(std::get<events::PlatformUrl>(*options.platform).port, 81);
  EXPECT_EQ(options.lease, std::chrono::seconds(7));
  EXPECT_EQ(options.retention, std::chrono::hours(48));
}

TEST(EventsRelayOptions, Defaults) {
  auto options = events::relay_options(config_with({}), db::PoolOptions{});
  EXPECT_FALSE(options.platform.has_value());  // events are kept, not delivered
  EXPECT_EQ(options.lease, std::chrono::seconds(30));
  EXPECT_EQ(options.retention, std::chrono::hours(24));
}

TEST(EventsRelayOptions, BadValuesAreConfigErrors) {
  EXPECT_THROW(config_with({{"OUTBOX_LEASE_SECONDS", "0"}}), config::ConfigError);
  EXPECT_THROW(config_with({{"OUTBOX_RETENTION_HOURS", "x"}}), config::ConfigError);
  EXPECT_THROW(
      events::relay_options(config_with({{"DATA_PLATFORM_URL", "ftp://p/e"}}), db::PoolOptions{}),
      config::ConfigError);
}

TEST(EventsRelayOptions, HttpsTakesTheCaFile) {
  // The system trust store is the default; a CA file that cannot be loaded stops the start.
  auto options =
      events::relay_options(config_with({{"DATA_PLATFORM_URL", "https://p/e"}}), db::PoolOptions{});
  EXPECT_TRUE(std::get<events::PlatformUrl>(*options.platform).tls);
  EXPECT_TRUE(options.ca_file.empty());
  try {
    events::relay_options(config_with({{"DATA_PLATFORM_URL", "https://p/e"},
                                       {"DATA_PLATFORM_CA_FILE", "/nonexistent/ca.pem"}}),
                          db::PoolOptions{});
    ADD_FAILURE() << "a missing CA file was accepted";
  } catch (const config::ConfigError& error) {
    EXPECT_NE(std::string_view(error.what()).find("DATA_PLATFORM_CA_FILE"), std::string_view::npos)
        << error.what();
  }
}

}  // namespace
