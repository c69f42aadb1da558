#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "platform/http/router.hpp"

namespace {

using http::Method;
using http::Router;
using Kind = Router::Match::Kind;

// A handler whose response body names the route, so a test can tell which one matched.
http::Handler tagged(std::string tag) {
  return [tag = std::move(tag)](http::Request&) -> boost::asio::awaitable<http::Response> {
    co_return http::Response::json(200, tag);
  };
}

// Runs the matched handler (no I/O: just drives the coroutine) and returns its tag.
std::string tag_of(const Router::Match& match) {
  if (match.kind != Kind::found || match.handler == nullptr) return "<no handler>";
  boost::asio::io_context ioc;
  http::Request request;
  std::string body;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> { body = (co_await (*match.handler)(request)).body; },
      boost::asio::detached);
  ioc.run();
  return body;
}

std::string param(const Router::Match& match, std::string_view name) {
  for (const auto& [key, value] : match.params) {
    if (key == name) return value;
  }
  return "<missing>";
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add(Method::get, "/api/v1/products/{id}", tagged("product"));
    router.add(Method::get, "/api/v1/products/best", tagged("best"));
    router.add(Method::get, "/api/v1/users/{userId}/points", tagged("points.get"));
    router.add(Method::post, "/api/v1/users/{userId}/points/charge", tagged("points.charge"));
    router.add(Method::get, "/api/v1/orders/{orderId}", tagged("order.get"));
    router.add(Method::del, "/api/v1/orders/{orderId}", tagged("order.delete"));
    router.add(Method::post, "/api/v1/orders/{orderId}/items/{productId}", tagged("item.add"));
    router.add(Method::post, "/api/v1/users", tagged("users.create"));
  }
  Router router;
};

TEST_F(RouterTest, MatchesLiteralRoute) {
  auto match = router.match(Method::post, "/api/v1/users");
  ASSERT_EQ(match.kind, Kind::found);
  EXPECT_EQ(tag_of(match), "users.create");
  EXPECT_TRUE(match.params.empty());
  EXPECT_TRUE(match.allow.empty());
}

TEST_F(RouterTest, ExtractsParameters) {
  auto match = router.match(Method::get, "/api/v1/users/42/points");
  ASSERT_EQ(match.kind, Kind::found);
  EXPECT_EQ(tag_of(match), "points.get");
  ASSERT_EQ(match.params.size(), 1u);
  EXPECT_EQ(param(match, "userId"), "42");
}

TEST_F(RouterTest, ExtractsSeveralParametersInOrder) {
  auto match = router.match(Method::post, "/api/v1/orders/7/items/9");
  ASSERT_EQ(match.kind, Kind::found);
  EXPECT_EQ(tag_of(match), "item.add");
  ASSERT_EQ(match.params.size(), 2u);
  EXPECT_EQ(match.params[0].first, "orderId");
  EXPECT_EQ(match.params[0].second, "7");
  EXPECT_EQ(match.params[1].first, "productId");
  EXPECT_EQ(match.params[1].second, "9");
}

TEST_F(RouterTest, ParameterValueIsNotValidatedByTheRouter) {
  // Any non-empty segment fills a parameter; handlers validate ids (json_input::path_id).
  auto match = router.match(Method::get, "/api/v1/products/abc");
  ASSERT_EQ(match.kind, Kind::found);
  EXPECT_EQ(tag_of(match), "product");
  EXPECT_EQ(param(match, "id"), "abc");
}

TEST_F(RouterTest, LiteralSegmentWinsOverParameterRegardlessOfInsertionOrder) {
  // "{id}" was added before "best" in SetUp.
  auto best = router.match(Method::get, "/api/v1/products/best");
  ASSERT_EQ(best.kind, Kind::found);
  EXPECT_EQ(tag_of(best), "best");
  EXPECT_TRUE(best.params.empty());

  auto product = router.match(Method::get, "/api/v1/products/17");
  ASSERT_EQ(product.kind, Kind::found);
  EXPECT_EQ(tag_of(product), "product");
  EXPECT_EQ(param(product, "id"), "17");
}

TEST_F(RouterTest, LiteralWinsWhenAddedFirstToo) {
  Router other;
  other.add(Method::get, "/p/best", tagged("best"));
  other.add(Method::get, "/p/{id}", tagged("id"));
  EXPECT_EQ(tag_of(other.match(Method::get, "/p/best")), "best");
  EXPECT_EQ(tag_of(other.match(Method::get, "/p/3")), "id");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  auto match = router.match(Method::get, "/api/v1/nothing");
  EXPECT_EQ(match.kind, Kind::not_found);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_TRUE(match.allow.empty());
}

TEST_F(RouterTest, SegmentCountMustMatch) {
  EXPECT_EQ(router.match(Method::get, "/api/v1/products").kind, Kind::not_found);
  EXPECT_EQ(router.match(Method::get, "/api/v1/products/1/extra").kind, Kind::not_found);
  EXPECT_EQ(router.match(Method::get, "/").kind, Kind::not_found);
  EXPECT_EQ(router.match(Method::get, "").kind, Kind::not_found);
}

TEST_F(RouterTest, LiteralComparisonIsCaseSensitive) {
  EXPECT_EQ(router.match(Method::post, "/API/v1/users").kind, Kind::not_found);
}

TEST_F(RouterTest, WrongMethodIsMethodNotAllowedWithAllowList) {
  auto match = router.match(Method::put, "/api/v1/orders/5");
  ASSERT_EQ(match.kind, Kind::method_not_allowed);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allow, "GET, DELETE");  // in registration order
}

TEST_F(RouterTest, SingleMethodAllowList) {
  auto match = router.match(Method::get, "/api/v1/users");
  ASSERT_EQ(match.kind, Kind::method_not_allowed);
  EXPECT_EQ(match.allow, "POST");
}

TEST_F(RouterTest, FoundClearsParamsAndAllowOfEarlierCandidates) {
  auto match = router.match(Method::del, "/api/v1/orders/5");
  ASSERT_EQ(match.kind, Kind::found);
  EXPECT_EQ(tag_of(match), "order.delete");
  EXPECT_TRUE(match.allow.empty());
  ASSERT_EQ(match.params.size(), 1u);
  EXPECT_EQ(param(match, "orderId"), "5");
}

TEST(RouterShapes, MethodOfMoreSpecificShapeDoesNotLeakIntoAllowOfAnotherShape) {
  Router router;
  router.add(Method::get, "/products/best", tagged("best"));
  router.add(Method::post, "/products/{id}", tagged("update"));
  router.add(Method::put, "/products/{id}", tagged("replace"));

  // "/products/7" only fits "{id}": the GET of "/products/best" must not be offered.
  auto by_id = router.match(Method::del, "/products/7");
  ASSERT_EQ(by_id.kind, Kind::method_not_allowed);
  EXPECT_EQ(by_id.allow, "POST, PUT");

  // "/products/best" fits both shapes; only the most specific one counts for 405.
  auto best = router.match(Method::del, "/products/best");
  ASSERT_EQ(best.kind, Kind::method_not_allowed);
  EXPECT_EQ(best.allow, "GET");
}

TEST(RouterShapes, LiteralShapeShadowsParameterShapeForOtherMethods) {
  // Documented behaviour: once a literal shape matches the path, a parameter route with the
  // requested method is NOT used as a fallback ("best" is not an id): 405 Allow: GET.
  Router router;
  router.add(Method::get, "/products/best", tagged("best"));
  router.add(Method::post, "/products/{id}", tagged("update"));
  auto match = router.match(Method::post, "/products/best");
  EXPECT_EQ(match.kind, Kind::method_not_allowed);
  EXPECT_EQ(match.allow, "GET");
}

TEST(RouterShapes, EqualSpecificityFirstRegisteredWins) {
  Router router;
  router.add(Method::get, "/a/{x}/c", tagged("first"));
  router.add(Method::get, "/a/b/{y}", tagged("second"));
  EXPECT_EQ(tag_of(router.match(Method::get, "/a/b/c")), "first");
  EXPECT_EQ(tag_of(router.match(Method::get, "/a/b/z")), "second");
}

TEST(RouterShapes, EmptyRouterFindsNothing) {
  Router router;
  EXPECT_EQ(router.match(Method::get, "/anything").kind, Kind::not_found);
}

TEST(RouterShapes, BracesWithoutNameAreALiteral) {
  Router router;
  router.add(Method::get, "/x/{}", tagged("literal"));
  EXPECT_EQ(router.match(Method::get, "/x/1").kind, Kind::not_found);
  EXPECT_EQ(tag_of(router.match(Method::get, "/x/{}")), "literal");
}

// Documented behaviour: empty segments are ignored, so a trailing slash and repeated
// slashes match the same route as the canonical path.
TEST_F(RouterTest, TrailingSlashMatchesSameRoute) {
  auto match = router.match(Method::post, "/api/v1/users/");
  ASSERT_EQ(match.kind, Kind::found);
  EXPECT_EQ(tag_of(match), "users.create");
}

TEST_F(RouterTest, DoubleSlashesAreCollapsed) {
  auto match = router.match(Method::get, "//api//v1/users/42//points");
  ASSERT_EQ(match.kind, Kind::found);
  EXPECT_EQ(tag_of(match), "points.get");
  EXPECT_EQ(param(match, "userId"), "42");
}

TEST_F(RouterTest, MissingLeadingSlashStillMatches) {
  EXPECT_EQ(router.match(Method::post, "api/v1/users").kind, Kind::found);
}

TEST(MethodName, Names) {
  EXPECT_EQ(http::method_name(Method::get), "GET");
  EXPECT_EQ(http::method_name(Method::post), "POST");
  EXPECT_EQ(http::method_name(Method::put), "PUT");
  EXPECT_EQ(http::method_name(Method::patch), "PATCH");
  EXPECT_EQ(http::method_name(Method::del), "DELETE");
  EXPECT_EQ(http::method_name(Method::head), "HEAD");
  EXPECT_EQ(http::method_name(Method::options), "OPTIONS");
  EXPECT_EQ(http::method_name(Method::other), "OTHER");
}

}  // namespace

namespace {

TEST(Router, MatchNamesThePatternForMetrics) {
  http::Router router;
  router.add(http::Method::get, "/api/v1/orders/{id}", tagged("order"));
  auto match = router.match(http::Method::get, "/api/v1/orders/42");
  ASSERT_EQ(match.kind, Router::Match::Kind::found);
  EXPECT_EQ(match.pattern, "/api/v1/orders/{id}");
  EXPECT_TRUE(router.match(http::Method::get, "/nope").pattern.empty());
}

TEST(RouterAccess, AMatchCarriesItsRoutesAccessRule) {
  Router router;
  router.add(Method::get, "/api/v1/products", tagged("products"));
  router.add(Method::get, "/api/v1/points", http::Access::user, tagged("balance"));
  router.add(Method::post, "/api/v1/admin/products", http::Access::admin, tagged("admin"));
  EXPECT_EQ(router.match(Method::get, "/api/v1/products").access, http::Access::open);
  EXPECT_EQ(router.match(Method::get, "/api/v1/points").access, http::Access::user);
  EXPECT_EQ(router.match(Method::post, "/api/v1/admin/products").access, http::Access::admin);
  EXPECT_EQ(tag_of(router.match(Method::get, "/api/v1/points")), "balance");
}

}  // namespace
