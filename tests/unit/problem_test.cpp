#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "platform/http/api_error.hpp"
#include "platform/http/message.hpp"

namespace {

TEST(Problem, ContentTypeAndStatus) {
  auto response = http::problem(404, "USER_NOT_FOUND", "no user 7");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_TRUE(response.headers.empty());
}

TEST(Problem, JsonFields) {
  auto response = http::problem(409, "LIMIT_EXCEEDED", "the balance would exceed 100000000");
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.size(), 5u);
  EXPECT_EQ(body.at("type").as_string(), "about:blank");
  EXPECT_EQ(body.at("title").as_string(), "Conflict");
  EXPECT_EQ(body.at("status").as_int64(), 409);
  EXPECT_EQ(body.at("code").as_string(), "LIMIT_EXCEEDED");
  EXPECT_EQ(body.at("detail").as_string(), "the balance would exceed 100000000");
}

TEST(Problem, EscapesDetail) {
  const std::string detail = "quote \" backslash \\ newline \n 한글";
  auto response = http::problem(400, "INVALID_REQUEST", detail);
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("detail").as_string(), detail);
}

TEST(Problem, UnknownStatusGetsGenericTitle) {
  auto body = boost::json::parse(http::problem(418, "TEAPOT", "x").body).as_object();
  EXPECT_EQ(body.at("title").as_string(), "Error");
  EXPECT_EQ(body.at("status").as_int64(), 418);
}

TEST(StatusTitle, KnownStatuses) {
  EXPECT_EQ(http::status_title(200), "OK");
  EXPECT_EQ(http::status_title(201), "Created");
  EXPECT_EQ(http::status_title(400), "Bad Request");
  EXPECT_EQ(http::status_title(401), "Unauthorized");
  EXPECT_EQ(http::status_title(404), "Not Found");
  EXPECT_EQ(http::status_title(405), "Method Not Allowed");
  EXPECT_EQ(http::status_title(408), "Request Timeout");
  EXPECT_EQ(http::status_title(409), "Conflict");
  EXPECT_EQ(http::status_title(413), "Payload Too Large");
  EXPECT_EQ(http::status_title(414), "URI Too Long");
  EXPECT_EQ(http::status_title(415), "Unsupported Media Type");
  EXPECT_EQ(http::status_title(429), "Too Many Requests");
  EXPECT_EQ(http::status_title(431), "Request Header Fields Too Large");
  EXPECT_EQ(http::status_title(500), "Internal Server Error");
  EXPECT_EQ(http::status_title(503), "Service Unavailable");
  EXPECT_EQ(http::status_title(0), "Error");
  EXPECT_EQ(http::status_title(599), "Error");
}

TEST(ApiError, Factories) {
  auto invalid = http::ApiError::invalid_request("bad");
  EXPECT_EQ(invalid.status(), 400);
  EXPECT_EQ(invalid.code(), "INVALID_REQUEST");
  EXPECT_EQ(invalid.detail(), "bad");
  EXPECT_STREQ(invalid.what(), "bad");

  auto amount = http::ApiError::invalid_amount("amt");
  EXPECT_EQ(amount.status(), 400);
  EXPECT_EQ(amount.code(), "INVALID_AMOUNT");

  auto missing = http::ApiError::not_found("USER_NOT_FOUND", "gone");
  EXPECT_EQ(missing.status(), 404);
  EXPECT_EQ(missing.code(), "USER_NOT_FOUND");

  auto conflict = http::ApiError::conflict("LIMIT", "full");
  EXPECT_EQ(conflict.status(), 409);
  EXPECT_EQ(conflict.code(), "LIMIT");
}

TEST(Response, JsonFactory) {
  auto response = http::Response::json(201, "{}");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "{}");
  EXPECT_EQ(response.content_type, "application/json");
}

TEST(Request, HeaderLookupIsCaseInsensitiveAndFirstWins) {
  http::Request request;
  request.headers.emplace_back("X-Request-Id", "first");
  request.headers.emplace_back("x-request-id", "second");
  request.headers.emplace_back("Content-Type", "application/json");
  EXPECT_EQ(request.header("x-request-id"), "first");
  EXPECT_EQ(request.header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(request.header("Content-Typ"), "");
  EXPECT_EQ(request.header("Missing"), "");
}

TEST(Request, QueryAndPathParams) {
  http::Request request;
  request.query = {{"page", "1"}, {"page", "2"}, {"size", ""}};
  request.params.emplace_back("id", "9");
  ASSERT_NE(request.query_param("page"), nullptr);
  EXPECT_EQ(*request.query_param("page"), "1");
  ASSERT_NE(request.query_param("size"), nullptr);
  EXPECT_EQ(*request.query_param("size"), "");
  EXPECT_EQ(request.query_param("Page"), nullptr);
  ASSERT_NE(request.path_param("id"), nullptr);
  EXPECT_EQ(*request.path_param("id"), "9");
  EXPECT_EQ(request.path_param("other"), nullptr);
}

}  // namespace
