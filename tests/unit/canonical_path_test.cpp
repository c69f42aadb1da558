#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "platform/http/canonical_path.hpp"

namespace {

using http::canonical_path;

TEST(CanonicalPath, EverySpellingOfAPathIsOnePath) {
  const std::string canonical = "/api/v1/products/1";
  for (const char* spelling :
       {"/api/v1/products/1", "//api/v1/products/1", "/api//v1/products/1", "/api/v1/products/1/",
        "/api/v1/products//1//", "/./api/v1/./products/1", "/api/v1/%70roducts/1",
        "/%61%70%69/v1/products/%31", "/api/v1/%2E/products/1", "/api/v1/%2e//products/1",
        "///api/././v1/products/1"}) {
    EXPECT_EQ(canonical_path(spelling), canonical) << spelling;
  }
}

TEST(CanonicalPath, TheRootHasOneSpellingToo) {
  EXPECT_EQ(canonical_path("/"), "/");
  EXPECT_EQ(canonical_path("//"), "/");
  EXPECT_EQ(canonical_path("/./"), "/");
  EXPECT_EQ(canonical_path("/%2e"), "/");
}

TEST(CanonicalPath, SegmentsKeepWhatIsNotADotSegment) {
  EXPECT_EQ(canonical_path("/docs/swagger-ui.css"), "/docs/swagger-ui.css");
  EXPECT_EQ(canonical_path("/a/.../b"), "/a/.../b");
  EXPECT_EQ(canonical_path("/a/..b/.c"), "/a/..b/.c");
  EXPECT_EQ(canonical_path("/users/%ED%95%9C"), "/users/\xED\x95\x9C");
  EXPECT_EQ(canonical_path("/a%20b"), "/a b");
}

TEST(CanonicalPath, RefusesWhatCannotNameARoute) {
  for (const char* bad :
       {"", "api/v1/products", "*", "/api/v1/products%2F1", "/a%2fb", "/a%00b", "/a%", "/a%4",
        "/a%G1", "/a%%31", "/..", "/a/../b", "/api/v1/x/../products/1", "/docs/assets/..",
        "/docs/assets/%2e%2E", "/docs/assets/.%2e/README.md", "/../../health"}) {
    EXPECT_EQ(canonical_path(bad), std::nullopt) << bad;
  }
}

TEST(CanonicalPath, IsItsOwnFixedPoint) {
  for (const char* path : {"/api//v1/./products/%31", "/a/b/c/", "/%7Eu/./x"}) {
    auto once = canonical_path(path);
    ASSERT_TRUE(once) << path;
    EXPECT_EQ(canonical_path(*once), once) << path;
  }
}

}  // namespace
