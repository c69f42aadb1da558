#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "platform/json/output.hpp"

namespace {

std::string appended(std::string_view text) {
  std::string out = "x";  // appends, never replaces
  json_output::append_string(out, text);
  return out.substr(1);
}

std::string by_boost(std::string_view text) {
  return boost::json::serialize(boost::json::string(text));
}

TEST(JsonOutputAppendString, EscapesAsBoostJsonDoes) {
  for (std::string_view text :
       {std::string_view(""), std::string_view("plain"), std::string_view("q\"uote"),
        std::string_view("back\\slash"), std::string_view("tab\tnew\nline\rcr"),
        std::string_view("\b\f"), std::string_view("\x01\x1f\x7f"),
        std::string_view("한글 상품 \xF0\x9F\x9B\x92"), std::string_view("nul\0in", 6)}) {
    EXPECT_EQ(appended(text), by_boost(text)) << text;
  }
}

TEST(JsonOutputAppendString, RandomAsciiAndControlBytesMatchBoostJson) {
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> byte(0, 127);
  for (int round = 0; round < 2000; ++round) {
    std::string text(static_cast<std::size_t>(round % 40), '\0');
    for (auto& c : text) c = static_cast<char>(byte(random));
    ASSERT_EQ(appended(text), by_boost(text));
  }
}

}  // namespace

namespace {

TEST(JsonOutputAppendInt, WritesDecimalAsBoostJsonDoes) {
  for (std::int64_t value :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{42},
        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    std::string out = "x";
    json_output::append_int(out, value);
    std::string expected = "x";
    expected += boost::json::serialize(boost::json::value(value));
    EXPECT_EQ(out, expected) << value;
  }
}

}  // namespace
