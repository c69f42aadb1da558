#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "platform/db/errors.hpp"
#include "platform/http/dispatch.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using http::Method;
using http::Request;
using http::Response;

// What the handler of GET /items/{id} saw.
struct Seen {
  std::string path;
  std::string_view route;
  std::string id;
  std::string query;
  std::string request_id;
  std::array<std::uint8_t, 16> peer_address{};
};

class DispatchTest : public ::testing::Test {
 protected:
  DispatchTest() {
    router_.add(Method::get, "/items/{id}", [this](Request& request) -> asio::awaitable<Response> {
      seen_ = Seen{request.path,
                   request.route,
                   *request.path_param("id"),
                   request.query.empty() ? "" : request.query[0].second,
                   std::string(request.request_id),
                   request.peer_address};
      co_return Response::json(200, "{}");
    });
    router_.add(Method::post, "/items",
                [](Request&) -> asio::awaitable<Response> { co_return Response::json(201, "{}"); });
    router_.add(Method::post, "/lost", [](Request&) -> asio::awaitable<Response> {
      throw db::DbOutcomeUnknown("commit unconfirmed");
      co_return Response::json(200, "{}");
    });
  }

  // Dispatches one request; `route_` is what dispatch left in the route label.
  Response dispatch(bhttp::verb verb, std::string_view target, std::string body = "",
                    std::string_view content_type = "") {
    bhttp::request<bhttp::string_body> message{verb, target, 11};
    if (!content_type.empty()) message.set(bhttp::field::content_type, content_type);
    message.body() = std::move(body);
    std::optional<Response> response;
    route_ = http::kUnmatchedRoute;
    asio::co_spawn(
        context_,
        [&]() -> asio::awaitable<void> {
          response =
              co_await http::dispatch(router_, options_, peer_, message, request_id_, route_);
        },
        asio::detached);
    context_.run();
    context_.restart();
    EXPECT_TRUE(response.has_value());
    return response.value_or(Response{});
  }

  static std::string code_of(const Response& response) {
    return std::string(boost::json::parse(response.body).at("code").as_string());
  }

  asio::io_context context_;
  http::Router router_;
  http::ServerOptions options_;
  std::array<std::uint8_t, 16> peer_{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 9};
  std::string request_id_ = "req-1";
  std::string_view route_;
  std::optional<Seen> seen_;
};

TEST_F(DispatchTest, HandlerSeesTheCanonicalRequest) {
  auto response = dispatch(bhttp::verb::get, "/items//%37?q=a%20b");
  EXPECT_EQ(response.status, 200);
  ASSERT_TRUE(seen_.has_value());
  EXPECT_EQ(seen_->path, "/items/7");
  EXPECT_EQ(seen_->route, "/items/{id}");
  EXPECT_EQ(seen_->id, "7");
  EXPECT_EQ(seen_->query, "a b");
  EXPECT_EQ(seen_->request_id, "req-1");
  EXPECT_EQ(seen_->peer_address, peer_);
  EXPECT_EQ(route_, "/items/{id}");
}

TEST_F(DispatchTest, TargetThatIsNotAUrlIs400) {
  auto response = dispatch(bhttp::verb::get, "items");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(code_of(response), "INVALID_REQUEST");
  EXPECT_EQ(route_, http::kUnmatchedRoute);
}

TEST_F(DispatchTest, DotDotSegmentIs404BeforeRouting) {
  auto response = dispatch(bhttp::verb::get, "/items/../items/7");
  EXPECT_EQ(response.status, 404);
  EXPECT_FALSE(seen_.has_value());
}

TEST_F(DispatchTest, NoRouteIs404Unmatched) {
  auto response = dispatch(bhttp::verb::get, "/nothing");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(code_of(response), "NOT_FOUND");
  EXPECT_EQ(route_, http::kUnmatchedRoute);
}

TEST_F(DispatchTest, WrongMethodIs405WithAllow) {
  auto response = dispatch(bhttp::verb::delete_, "/items/7");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(code_of(response), "METHOD_NOT_ALLOWED");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(route_, http::kUnmatchedRoute);
}

TEST_F(DispatchTest, BodyThatIsNotJsonIs415) {
  auto response = dispatch(bhttp::verb::post, "/items", "a=1", "text/plain");
  EXPECT_EQ(response.status, 415);
  EXPECT_EQ(code_of(response), "UNSUPPORTED_MEDIA_TYPE");
  EXPECT_EQ(dispatch(bhttp::verb::post, "/items", "{}", "application/json").status, 201);
}

TEST_F(DispatchTest, WhatTheHandlerThrowsBecomesItsAnswer) {
  auto response = dispatch(bhttp::verb::post, "/lost");
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(code_of(response), "OUTCOME_UNKNOWN");
  EXPECT_EQ(route_, "/lost");
}

}  // namespace
