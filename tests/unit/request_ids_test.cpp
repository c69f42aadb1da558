#include <string>

#include <gtest/gtest.h>

#include "platform/http/request_ids.hpp"

namespace {

TEST(RequestIds, PlainSuppliedIdIsEchoed) {
  http::RequestIds ids(0xabc);
  EXPECT_EQ(ids.make("trace-1_a.b:c"), "trace-1_a.b:c");
  EXPECT_EQ(ids.make(std::string(128, 'x')), std::string(128, 'x'));
}

TEST(RequestIds, MissingOrUnfitIdIsReplacedByANumberedOne) {
  http::RequestIds ids(0xabc);
  EXPECT_EQ(ids.make(""), "00000abc-1");
  EXPECT_EQ(ids.make("has space"), "00000abc-2");
  EXPECT_EQ(ids.make("new\nline"), "00000abc-3");
  EXPECT_EQ(ids.make(std::string(129, 'x')), "00000abc-4");
  for (int i = 5; i <= 16; ++i) ids.make("");
  EXPECT_EQ(ids.make("/"), "00000abc-11");  // hex
}

}  // namespace
