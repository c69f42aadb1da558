#include <gtest/gtest.h>

#include "platform/http/bearer_auth.hpp"
#include "platform/json/input.hpp"

namespace {

TEST(BearerAuth, AcceptsOnlyTheExactToken) {
  EXPECT_TRUE(http::bearer_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(http::bearer_matches("bearer s3cret", "s3cret"));  // the scheme is case-insensitive
  EXPECT_FALSE(http::bearer_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(http::bearer_matches("Bearer s3cret2", "s3cret"));
  EXPECT_FALSE(http::bearer_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(http::bearer_matches("s3cret", "s3cret"));
  EXPECT_FALSE(http::bearer_matches("", "s3cret"));
  EXPECT_FALSE(http::bearer_matches("Bearer ", ""));  // an empty configured token never matches
}

TEST(BearerAuth, TheTokenOfABearerHeader) {
  EXPECT_EQ(http::bearer_token("Bearer abc.def"), "abc.def");
  EXPECT_EQ(http::bearer_token("BEARER abc"), "abc");  // the scheme is case-insensitive
  EXPECT_EQ(http::bearer_token("Bearer    abc"), "abc");
  EXPECT_EQ(http::bearer_token("Bearer "), "");
  EXPECT_EQ(http::bearer_token("Bearer"), "");
  EXPECT_EQ(http::bearer_token("Basic abc"), "");
  EXPECT_EQ(http::bearer_token(""), "");
}

TEST(Rfc3339, AcceptsTheContractsShapes) {
  EXPECT_TRUE(json_input::is_rfc3339_timestamp("2026-11-23T18:05:00+09:00"));
  EXPECT_TRUE(json_input::is_rfc3339_timestamp("2026-11-23T09:05:00Z"));
  EXPECT_TRUE(json_input::is_rfc3339_timestamp("2026-11-23T09:05:00.123456-03:30"));
}

TEST(Rfc3339, RejectsEverythingElse) {
  for (const char* text :
       {"2026-11-23", "2026-11-23 18:05:00+09:00", "2026-11-23T18:05:00", "2026-11-23T18:05+09:00",
        "2026-11-23T18:05:00+0900", "2026-11-23T18:05:00.+09:00", "now", "",
        "2026-11-23T18:05:00Zjunk", "20261-11-23T18:05:00Z"}) {
    EXPECT_FALSE(json_input::is_rfc3339_timestamp(text)) << text;
  }
}

}  // namespace
