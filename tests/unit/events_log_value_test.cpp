#include <string>

#include <gtest/gtest.h>

#include "events/log_value.hpp"

namespace {

using events::one_line;

TEST(EventsLogValue, OneLineFlattensBreaksAndTabsAndSwapsDoubleQuotes) {
  EXPECT_EQ(one_line("ERROR:  relation \"x\" does not exist\nLINE 1: SELECT\t*\r\n"),
            "ERROR:  relation 'x' does not exist LINE 1: SELECT *  ");
  EXPECT_EQ(one_line(""), "");
  EXPECT_EQ(one_line("plain 'text' stays"), "plain 'text' stays");
}

}  // namespace
