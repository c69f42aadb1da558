#include <string>

#include <gtest/gtest.h>

#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"

namespace {

http::Request json_request(std::string_view body) {
  http::Request request;
  request.method = http::Method::post;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  return request;
}

TEST(ReadObjectBody, ReadsTheBodyOnce) {
  auto request = json_request(R"({"userId": 5})");
  EXPECT_FALSE(request.object_body.was_read());
  const auto& read = json_input::read_object_body(request);
  ASSERT_NE(read.object(), nullptr);
  EXPECT_EQ(read.refusal(), nullptr);
  request.body = "[]";  // not looked at again
  EXPECT_EQ(json_input::read_object_body(request).object()->at("userId").as_int64(), 5);
  EXPECT_EQ(json_input::parse_object_body(request).at("userId").as_int64(), 5);
  // The handler took the object: a second parse reads the body again.
  EXPECT_THROW(json_input::parse_object_body(request), http::ApiError);
}

TEST(ReadObjectBody, KeepsTheRefusalParseObjectBodyThrows) {
  auto request = json_request(R"({"name": "kim\u0000x"})");
  const auto& read = json_input::read_object_body(request);
  EXPECT_TRUE(read.was_read());
  EXPECT_EQ(read.object(), nullptr);
  ASSERT_NE(read.refusal(), nullptr);
  EXPECT_EQ(read.refusal()->status(), 400);
  EXPECT_EQ(read.refusal()->code(), "INVALID_REQUEST");
  try {
    json_input::parse_object_body(request);
    ADD_FAILURE() << "the NUL was let through";
  } catch (const http::ApiError& error) {
    EXPECT_EQ(error.status(), 400);
    EXPECT_NE(error.detail().find("NUL"), std::string::npos);
  }
}

TEST(ReadObjectBody, AnEmptyBodyIsRefusedLikeAMissingOne) {
  auto request = json_request("");
  ASSERT_NE(json_input::read_object_body(request).refusal(), nullptr);
  EXPECT_EQ(json_input::read_object_body(request).refusal()->detail(), "a JSON body is required");
}

}  // namespace
