// PostgreSQL's text form of bigint[] as the service reads it.

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "platform/db/result.hpp"

namespace {

using Values = std::vector<std::int64_t>;

TEST(DbInt64Array, ReadsOneDimensionalArrays) {
  EXPECT_EQ(db::parse_int64_array("{}"), Values{});
  EXPECT_EQ(db::parse_int64_array("{7}"), Values{7});
  EXPECT_EQ(db::parse_int64_array("{1,-2,30}"), (Values{1, -2, 30}));
  EXPECT_EQ(
      db::parse_int64_array("{9223372036854775807,-9223372036854775808}"),
      (Values{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}));
}

TEST(DbInt64Array, RejectsEverythingElse) {
  for (const char* text :
       {"", "{", "}", "1,2", "{1,}", "{,1}", "{1,,2}", "{NULL}", "{1,NULL}", "{{1,2}}",
        "[0:1]={1,2}", "{1 ,2}", "{9223372036854775808}", "{1}x", "{\"1\"}", "{1.5}"}) {
    EXPECT_THROW(db::parse_int64_array(text), std::runtime_error) << text;
  }
}

}  // namespace
