#include <string>

#include <gtest/gtest.h>

#include "idempotency/idempotency_key.hpp"
#include "platform/http/api_error.hpp"

namespace {

using idempotency::is_valid_key;
using idempotency::key_of;
using idempotency::owner_of;

TEST(IdempotencyKey, LengthIsOneTo255) {
  EXPECT_FALSE(is_valid_key(""));
  EXPECT_TRUE(is_valid_key("a"));
  EXPECT_TRUE(is_valid_key(std::string(255, 'k')));
  EXPECT_FALSE(is_valid_key(std::string(256, 'k')));
}

TEST(IdempotencyKey, OnlyPrintableAscii) {
  EXPECT_TRUE(is_valid_key("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"));
  EXPECT_TRUE(is_valid_key("with space and ~!@#$%^&*()"));
  EXPECT_FALSE(is_valid_key("tab\there"));
  EXPECT_FALSE(is_valid_key("new\nline"));
  EXPECT_FALSE(is_valid_key(std::string("nul\0byte", 8)));
  EXPECT_FALSE(is_valid_key("del\x7f"));
  EXPECT_FALSE(is_valid_key("caf\xc3\xa9"));
}

http::Request with_headers(std::vector<std::pair<std::string_view, std::string_view>> headers) {
  http::Request request;
  request.headers = std::move(headers);
  return request;
}

TEST(IdempotencyKey, AbsentHeaderIsNoKey) {
  EXPECT_FALSE(key_of(with_headers({{"Content-Type", "application/json"}})));
}

TEST(IdempotencyKey, HeaderNameIsCaseInsensitive) {
  auto key = key_of(with_headers({{"idempotency-KEY", "abc"}}));
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "abc");
}

TEST(IdempotencyKey, EmptyOrMalformedHeaderIs400) {
  for (std::string_view bad : {std::string_view(""), std::string_view("a\tb")}) {
    try {
      key_of(with_headers({{"Idempotency-Key", bad}}));
      FAIL() << "accepted " << bad;
    } catch (const http::ApiError& error) {
      EXPECT_EQ(error.status(), 400);
      EXPECT_EQ(error.code(), "INVALID_REQUEST");
    }
  }
}

TEST(IdempotencyKey, TwoHeadersAre400) {
  EXPECT_THROW(key_of(with_headers({{"Idempotency-Key", "a"}, {"Idempotency-Key", "a"}})),
               http::ApiError);
}

TEST(IdempotencyKeyOwner, TheTokensUserOwnsTheKey) {
  http::Caller caller;
  caller.credential = http::Caller::Credential::jwt;
  caller.user_id = 7;
  EXPECT_EQ(owner_of(caller, 7), 7);
  // The gate refuses a body naming another user; were it to let one through, the key
  // would still be the token's user's, never the other user's.
  EXPECT_EQ(owner_of(caller, 8), 7);
}

TEST(IdempotencyKeyOwner, WithoutAuthenticationTheRequestsUserOwnsTheKey) {
  http::Caller anonymous;
  anonymous.credential = http::Caller::Credential::none;
  EXPECT_EQ(owner_of(anonymous, 3), 3);
  EXPECT_EQ(owner_of(anonymous, 4), 4);
}

}  // namespace
