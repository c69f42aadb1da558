#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "events/event_sinks.hpp"
#include "events/nats_url.hpp"
#include "platform/config/config.hpp"

namespace {

using events::parse_nats_url;

void expect_rejected(std::string_view url, std::string_view reason) {
  try {
    parse_nats_url(url);
    ADD_FAILURE() << "accepted " << url;
  } catch (const config::ConfigError& error) {
    const std::string_view message = error.what();
    EXPECT_NE(message.find("DATA_PLATFORM_URL"), std::string_view::npos) << message;
    EXPECT_NE(message.find(reason), std::string_view::npos) << message;
  }
}

TEST(EventsNatsUrl, OneServerAndSubject) {
  auto url = parse_nats_url("nats://127.0.0.1:4222/orders.paid");
  EXPECT_EQ(url.servers, std::vector<std::string>{"nats://127.0.0.1:4222"});
  EXPECT_EQ(url.subject, "orders.paid");
}

TEST(EventsNatsUrl, SeveralServersInOrderWithTheDefaultPort) {
  auto url = parse_nats_url("NATS://h1:4222,h2,[::1]:5222/events");
  EXPECT_EQ(url.servers,
            (std::vector<std::string>{"nats://h1:4222", "nats://h2:4222", "nats://[::1]:5222"}));
  EXPECT_EQ(url.subject, "events");
}

TEST(EventsNatsUrl, RejectsWhatCannotBePublishedTo) {
  expect_rejected("nats://h:4222", "subject");
  expect_rejected("nats://h:4222/", "subject");
  expect_rejected("nats://h:4222/orders.*", "wildcards");
  expect_rejected("nats://h:4222/orders.>", "wildcards");
  expect_rejected("nats://h:4222/a..b", "subject");
  expect_rejected("nats://h:4222/a b", "subject");
  expect_rejected("nats://h:4222/.a", "subject");
}

TEST(EventsNatsUrl, RejectsBadServers) {
  expect_rejected("nats:///x", "host");
  expect_rejected("nats://:4222/x", "host");
  expect_rejected("nats://h1,,h2/x", "host");
  expect_rejected("nats://h:0/x", "port");
  expect_rejected("nats://h:99999/x", "port");
  expect_rejected("nats://h:42a/x", "port");
  expect_rejected("nats://u:p@h:4222/x", "user info");
  expect_rejected("nats://h:4222/x?y=1", "query");
  expect_rejected("nats://h/x#f", "fragment");
  expect_rejected("nats://h!/x", "host");
}

TEST(EventsSinkUrl, TheSchemeChoosesTheSink) {
  EXPECT_TRUE(std::holds_alternative<events::NatsUrl>(events::parse_sink_url("nats://h/s")));
  EXPECT_TRUE(std::holds_alternative<events::PlatformUrl>(
      events::parse_sink_url("http://platform:8080/events")));
  EXPECT_THROW(events::parse_sink_url("kafka://h/s"), config::ConfigError);
}

}  // namespace
