#include <string>

#include <gtest/gtest.h>

#include "users/user_name.hpp"

namespace {

using users::code_points;
using users::name_problem;

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

TEST(CodePoints, Ascii) {
  EXPECT_EQ(code_points(""), 0u);
  EXPECT_EQ(code_points("a"), 1u);
  EXPECT_EQ(code_points("hello world"), 11u);
}

TEST(CodePoints, MultiByte) {
  EXPECT_EQ(std::string("홍길동").size(), 9u);
  EXPECT_EQ(code_points("홍길동"), 3u);            // 3-byte sequences
  EXPECT_EQ(code_points("é"), 1u);                 // 2 bytes
  EXPECT_EQ(code_points("\xF0\x9F\x98\x80"), 1u);  // U+1F600, 4 bytes
  EXPECT_EQ(code_points("a홍b\xF0\x9F\x98\x80"
                        "c"),
            5u);
}

TEST(NameProblem, AcceptsOrdinaryNames) {
  EXPECT_EQ(name_problem("a"), std::nullopt);
  EXPECT_EQ(name_problem("Kim Minsu"), std::nullopt);
  EXPECT_EQ(name_problem("홍길동"), std::nullopt);
  EXPECT_EQ(name_problem(" padded "), std::nullopt);
}

TEST(NameProblem, EmptyIsRejected) {
  auto problem = name_problem("");
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("1 to 100"), std::string::npos) << *problem;
}

TEST(NameProblem, BlankIsRejected) {
  for (const char* blank : {" ", "   ", "\t", "\n", "\r\n", " \t \n "}) {
    auto problem = name_problem(blank);
    ASSERT_TRUE(problem.has_value()) << "'" << blank << "'";
    EXPECT_NE(problem->find("blank"), std::string::npos) << *problem;
  }
}

TEST(NameProblem, LengthLimitCountsCharactersNotBytes) {
  EXPECT_EQ(name_problem(repeat("a", 100)), std::nullopt);
  EXPECT_TRUE(name_problem(repeat("a", 101)).has_value());
  // 100 Korean syllables are 300 bytes but 100 characters: accepted.
  EXPECT_EQ(name_problem(repeat("가", 100)), std::nullopt);
  EXPECT_TRUE(name_problem(repeat("가", 101)).has_value());
  EXPECT_EQ(name_problem(repeat("\xF0\x9F\x98\x80", 100)), std::nullopt);
  EXPECT_TRUE(name_problem(repeat("\xF0\x9F\x98\x80", 101)).has_value());
  EXPECT_TRUE(name_problem(repeat(" ", 101)).has_value());
}

}  // namespace
