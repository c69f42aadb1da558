#include <string>

#include <gtest/gtest.h>

#include "jwt_signing.hpp"
#include "platform/http/api_error.hpp"
#include "platform/http/request_policy.hpp"
#include "platform/json/input.hpp"

namespace {

using http::Access;
using http::RequestPolicy;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";
const std::string kAdminToken = "admin-token";

RequestPolicy policy(bool users, std::shared_ptr<ratelimit::ClientRateLimiter> limiter = nullptr) {
  RequestPolicy::Options options;
  options.admin_token = kAdminToken;
  if (users) {
    options.users =
        std::make_shared<const auth::JwtVerifier>(auth::JwtVerifier::with_secret(kSecret, {}));
  }
  options.limiter = std::move(limiter);
  options.clock = [] { return kNow; };
  return RequestPolicy(std::move(options));
}

std::string token_for(std::string sub, std::string role = "") {
  boost::json::object claims{{"sub", sub}, {"exp", kNow + 60}};
  if (!role.empty()) claims["role"] = role;
  return jwt_signing::hs256_token(kSecret, claims);
}

struct TestRequest {
  std::string authorization;
  std::string body;
  http::Request request;

  TestRequest(std::string token, std::string json_body = {},
              std::vector<std::pair<std::string, std::string>> query = {})
      : authorization(token.empty() ? "" : "Bearer " + token), body(std::move(json_body)) {
    request.path = "/api/v1/points/charge";
    request.query = std::move(query);
    if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
    if (!body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = body;
    }
  }
};

std::string header_of(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

int status_of(const std::optional<http::Response>& refusal) {
  return refusal ? refusal->status : 0;
}

TEST(RequestPolicy, WithoutUserAuthenticationUserRoutesAreOpen) {
  auto open = policy(false);
  TestRequest anonymous("", R"({"userId": 5, "amount": 1})");
  EXPECT_EQ(status_of(open.authorize(anonymous.request, Access::user)), 0);
  EXPECT_EQ(status_of(open.authorize(anonymous.request, Access::admin_when_users_authenticate)), 0);
  EXPECT_FALSE(anonymous.request.object_body.was_read());  // nothing parsed when nothing is checked
}

TEST(RequestPolicy, AdminRoutesTakeTheAdminTokenOrAnAdminJwt) {
  for (bool users : {false, true}) {
    auto checked = policy(users);
    TestRequest admin(kAdminToken);
    EXPECT_EQ(status_of(checked.authorize(admin.request, Access::admin)), 0);
    TestRequest nobody("");
    auto refused = checked.authorize(nobody.request, Access::admin);
    ASSERT_EQ(status_of(refused), 401);
    EXPECT_EQ(header_of(*refused, "WWW-Authenticate"), "Bearer");
    TestRequest wrong("wrong-token");
    refused = checked.authorize(wrong.request, Access::admin);
    ASSERT_EQ(status_of(refused), 401);
    EXPECT_EQ(header_of(*refused, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  }
  auto checked = policy(true);
  TestRequest by_role(token_for("ops", "admin"));
  EXPECT_EQ(status_of(checked.authorize(by_role.request, Access::admin)), 0);
  EXPECT_EQ(status_of(checked.authorize(by_role.request, Access::admin_when_users_authenticate)),
            0);
  // A valid token without the admin role: known, but not allowed (RFC 6750 section 3.1).
  TestRequest a_user(token_for("5"));
  for (auto access : {Access::admin, Access::admin_when_users_authenticate}) {
    auto forbidden = checked.authorize(a_user.request, access);
    ASSERT_EQ(status_of(forbidden), 403);
    EXPECT_NE(forbidden->body.find("\"code\":\"FORBIDDEN\""), std::string::npos);
    EXPECT_EQ(header_of(*forbidden, "WWW-Authenticate"), "Bearer error=\"insufficient_scope\"");
  }
  TestRequest expired_admin(jwt_signing::hs256_token(
      kSecret, boost::json::object{{"sub", "ops"}, {"role", "admin"}, {"exp", kNow - 600}}));
  EXPECT_EQ(status_of(checked.authorize(expired_admin.request, Access::admin)), 401);
  // Without user authentication a JWT is just a wrong admin token.
  TestRequest jwt_admin(token_for("ops", "admin"));
  EXPECT_EQ(status_of(policy(false).authorize(jwt_admin.request, Access::admin)), 401);
}

TEST(RequestPolicy, UserRoutesNeedTheUsersOwnToken) {
  auto checked = policy(true);
  TestRequest none("", R"({"userId": 5})");
  auto refused = checked.authorize(none.request, Access::user);
  ASSERT_EQ(status_of(refused), 401);
  EXPECT_EQ(refused->body.find("\"code\":\"UNAUTHORIZED\"") != std::string::npos, true);
  EXPECT_EQ(header_of(*refused, "WWW-Authenticate"), "Bearer");

  TestRequest garbage("not.a.token", R"({"userId": 5})");
  refused = checked.authorize(garbage.request, Access::user);
  ASSERT_EQ(status_of(refused), 401);
  EXPECT_EQ(header_of(*refused, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");

  TestRequest own(token_for("5"), R"({"userId": 5, "amount": 1})");
  EXPECT_EQ(status_of(checked.authorize(own.request, Access::user)), 0);
  EXPECT_EQ(own.request.caller.user_id, 5);
  ASSERT_TRUE(own.request.object_body.object());  // handed on to the handler, parsed once
  EXPECT_EQ(own.request.object_body.object()->at("amount").as_int64(), 1);
  own.request.body = "not read again";
  EXPECT_EQ(json_input::parse_object_body(own.request).at("amount").as_int64(), 1);

  TestRequest other(token_for("6"), R"({"userId": 5, "amount": 1})");
  refused = checked.authorize(other.request, Access::user);
  ASSERT_EQ(status_of(refused), 403);
  EXPECT_NE(refused->body.find("FORBIDDEN"), std::string::npos);

  TestRequest admin_token(kAdminToken, R"({"userId": 5})");
  EXPECT_EQ(status_of(checked.authorize(admin_token.request, Access::user)), 403);
}

// The policy reads the body with every check of json_input::parse_object_body: a body the
// handler's parse refuses (NUL included) is never handed on as an object, whatever userId it
// names; it is refused with the same answer as without user authentication.
TEST(RequestPolicy, ABodyJsonInputRefusesIsNeverHandedOn) {
  auto checked = policy(true);
  struct Case {
    const char* body;
    const char* content_type;
    int status;
  };
  for (const auto& [body, content_type, status] :
       {Case{R"({"userId": 5, "name": "kim\u0000x"})", "application/json", 400},
        Case{R"({"userId": 6, "x\u0000": 1})", "application/json", 400},
        Case{R"({"userId": 5,})", "application/json", 400},
        Case{R"([{"userId": 6}])", "application/json", 400},
        Case{R"({"userId": 5})", "text/plain", 415}}) {
    SCOPED_TRACE(body);
    TestRequest own(token_for("5"), body);
    for (auto& [name, value] : own.request.headers) {
      if (name == "Content-Type") value = content_type;
    }
    EXPECT_EQ(status_of(checked.authorize(own.request, Access::user)), 0);
    EXPECT_TRUE(own.request.object_body.was_read());
    EXPECT_EQ(own.request.object_body.object(), nullptr);
    try {
      json_input::parse_object_body(own.request);
      ADD_FAILURE() << "a refused body was handed on";
    } catch (const http::ApiError& error) {
      EXPECT_EQ(error.status(), status);
    }
  }
}

TEST(RequestPolicy, EveryUserIdOfTheQueryIsCompared) {
  auto checked = policy(true);
  TestRequest own(token_for("5"), "", {{"userId", "5"}, {"page", "0"}});
  EXPECT_EQ(status_of(checked.authorize(own.request, Access::user)), 0);
  TestRequest other(token_for("5"), "", {{"userId", "6"}});
  EXPECT_EQ(status_of(checked.authorize(other.request, Access::user)), 403);
  TestRequest second(token_for("5"), "", {{"userId", "5"}, {"userId", "6"}});
  EXPECT_EQ(status_of(checked.authorize(second.request, Access::user)), 403);
  TestRequest padded(token_for("5"), "", {{"userId", "006"}});
  EXPECT_EQ(status_of(checked.authorize(padded.request, Access::user)), 403);
  // Not an id at all: the handler answers 400 for it.
  TestRequest junk(token_for("5"), "", {{"userId", "abc"}});
  EXPECT_EQ(status_of(checked.authorize(junk.request, Access::user)), 0);
}

TEST(RequestPolicy, RateLimitsApiPathsPerUserOrAddress) {
  auto limiter = std::make_shared<ratelimit::ClientRateLimiter>(
      ratelimit::ClientRateLimiter::Options{1, 3, 1000});
  auto checked = policy(true, limiter);
  // A token's first request costs its address one request too (its signature is checked
  // only once the address's bucket let it through); then only its user's bucket counts.
  TestRequest alice(token_for("1"));
  for (int i = 0; i < 3; ++i) {
    alice.request.caller = {};
    EXPECT_EQ(status_of(checked.admit(alice.request)), 0) << i;
    EXPECT_EQ(alice.request.caller.user_id, 1);
  }
  alice.request.caller = {};
  auto refused = checked.admit(alice.request);
  ASSERT_EQ(status_of(refused), 429);
  EXPECT_EQ(header_of(*refused, "Retry-After"), "1");
  EXPECT_NE(refused->body.find("TOO_MANY_REQUESTS"), std::string::npos);
  // Another user from the same address has a bucket of its own; so has the address (one of
  // its three requests spent on each new token).
  TestRequest bob(token_for("2"));
  EXPECT_EQ(status_of(checked.admit(bob.request)), 0);
  TestRequest anonymous("");
  EXPECT_EQ(status_of(checked.admit(anonymous.request)), 0);
  // Paths outside /api/v1 are never limited.
  TestRequest health(token_for("1"));
  health.request.path = "/health";
  EXPECT_EQ(status_of(checked.admit(health.request)), 0);
}

TEST(RequestPolicy, TheLimitIsDecidedOnTheMatchedRoute) {
  auto limiter = std::make_shared<ratelimit::ClientRateLimiter>(
      ratelimit::ClientRateLimiter::Options{1, 1, 1000});
  auto checked = policy(false, limiter);
  TestRequest first("");
  first.request.path = "/api/v1/products/1";
  first.request.route = "/api/v1/products/{id}";
  EXPECT_EQ(status_of(checked.admit(first.request)), 0);
  // Whatever the path says, the route that serves it counts.
  TestRequest second("");
  second.request.path = "/elsewhere";
  second.request.route = "/api/v1/products/{id}";
  EXPECT_EQ(status_of(checked.admit(second.request)), 429);
  // No route matched: a path under /api/v1 (a 404 or 405 to come) counts as well.
  TestRequest unknown("");
  unknown.request.path = "/api/v1/nothing-here";
  EXPECT_EQ(status_of(checked.admit(unknown.request)), 429);
  TestRequest docs("");
  docs.request.path = "/docs";
  docs.request.route = "/docs";
  EXPECT_EQ(status_of(checked.admit(docs.request)), 0);
}

TEST(RequestPolicy, AnAddressOverItsLimitSendsNoSignatureToBeChecked) {
  auto limiter = std::make_shared<ratelimit::ClientRateLimiter>(
      ratelimit::ClientRateLimiter::Options{1, 2, 1000});
  auto checked = policy(true, limiter);
  const std::string junk = token_for("9").substr(0, token_for("9").rfind('.') + 1) + "AAAA";
  for (int i = 0; i < 2; ++i) {
    TestRequest within(junk);
    EXPECT_EQ(status_of(checked.admit(within.request)), 0) << i;
    // Inside the limit the token was checked (and refused: authorize answers 401 later).
    EXPECT_EQ(within.request.caller.credential, http::Caller::Credential::invalid);
  }
  TestRequest over(junk);
  EXPECT_EQ(status_of(checked.admit(over.request)), 429);
  // Refused before the signature was looked at.
  EXPECT_EQ(over.request.caller.credential, http::Caller::Credential::unknown);
  // A token verified lately is its user's, whatever its address spent: no new check needed.
  TestRequest carol(token_for("3"));
  carol.request.peer_address[0] = 0x20;  // another /64, with requests to spare
  ASSERT_EQ(status_of(checked.admit(carol.request)), 0);
  TestRequest carol_again(token_for("3"));  // from the exhausted address
  EXPECT_EQ(status_of(checked.admit(carol_again.request)), 0);
  EXPECT_EQ(carol_again.request.caller.user_id, 3);
}

TEST(RequestPolicy, TheMetricsTokenWhenSetGuardsMetricsRoutes) {
  TestRequest anyone("");
  EXPECT_EQ(status_of(policy(true).authorize(anyone.request, Access::metrics)), 0);
  RequestPolicy::Options options;
  options.admin_token = kAdminToken;
  options.metrics_token = "scrape-me";
  RequestPolicy guarded(std::move(options));
  TestRequest none("");
  auto refused = guarded.authorize(none.request, Access::metrics);
  ASSERT_EQ(status_of(refused), 401);
  EXPECT_EQ(header_of(*refused, "WWW-Authenticate"), "Bearer");
  TestRequest wrong(kAdminToken);  // the admin token is not the metrics token
  refused = guarded.authorize(wrong.request, Access::metrics);
  ASSERT_EQ(status_of(refused), 401);
  EXPECT_EQ(header_of(*refused, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  TestRequest right("scrape-me");
  EXPECT_EQ(status_of(guarded.authorize(right.request, Access::metrics)), 0);
}

}  // namespace
