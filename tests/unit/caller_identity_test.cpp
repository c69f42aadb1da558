#include <string>

#include <gtest/gtest.h>

#include "jwt_signing.hpp"
#include "platform/http/caller_identity.hpp"

namespace {

using Credential = http::Caller::Credential;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "fedcba9876543210fedcba9876543210";
const std::string kAdminToken = "admin-token";

http::CallerIdentity identity(bool users) {
  std::shared_ptr<const auth::JwtVerifier> verifier;
  if (users) {
    verifier =
        std::make_shared<const auth::JwtVerifier>(auth::JwtVerifier::with_secret(kSecret, {}));
  }
  return http::CallerIdentity(kAdminToken, std::move(verifier), [] { return kNow; });
}

std::string token_for(std::string sub, std::string role = "") {
  boost::json::object claims{{"sub", sub}, {"exp", kNow + 60}};
  if (!role.empty()) claims["role"] = role;
  return jwt_signing::hs256_token(kSecret, claims);
}

struct TestRequest {
  std::string authorization;
  http::Request request;

  explicit TestRequest(std::string header) : authorization(std::move(header)) {
    if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  }
};

TEST(CallerIdentity, NoTokenAndTheAdminTokenNeedNoSignature) {
  for (bool users : {false, true}) {
    auto who = identity(users);
    TestRequest none("");
    EXPECT_TRUE(who.identify_without_signature(none.request));
    EXPECT_EQ(none.request.caller.credential, Credential::none);
    TestRequest basic("Basic abc");  // another scheme is no bearer token
    EXPECT_TRUE(who.identify_without_signature(basic.request));
    EXPECT_EQ(basic.request.caller.credential, Credential::none);
    TestRequest admin("bearer " + kAdminToken);
    EXPECT_TRUE(who.identify_without_signature(admin.request));
    EXPECT_EQ(admin.request.caller.credential, Credential::admin_token);
    EXPECT_TRUE(admin.request.caller.admin);
    EXPECT_FALSE(admin.request.caller.user_id);
  }
}

TEST(CallerIdentity, WithoutUserAuthenticationAJwtIsAnInvalidToken) {
  TestRequest jwt("Bearer " + token_for("5"));
  EXPECT_TRUE(identity(false).identify_without_signature(jwt.request));
  EXPECT_EQ(jwt.request.caller.credential, Credential::invalid);
}

TEST(CallerIdentity, ANewTokenWaitsForItsSignatureCheckThenIsRecalled) {
  auto who = identity(true);
  const std::string header = "Bearer " + token_for("7", "admin");
  TestRequest first(header);
  EXPECT_FALSE(who.identify_without_signature(first.request));
  EXPECT_EQ(first.request.caller.credential, Credential::unknown);
  who.identify(first.request);
  EXPECT_EQ(first.request.caller.credential, Credential::jwt);
  EXPECT_EQ(first.request.caller.user_id, 7);
  EXPECT_TRUE(first.request.caller.admin);
  // Verified on this thread lately: the next request with it needs no signature check.
  TestRequest again(header);
  EXPECT_TRUE(who.identify_without_signature(again.request));
  EXPECT_EQ(again.request.caller.user_id, 7);
  // A caller already known is not looked at again.
  again.request.headers.clear();
  who.identify(again.request);
  EXPECT_EQ(again.request.caller.user_id, 7);
}

TEST(CallerIdentity, ABadSignatureIsAnInvalidToken) {
  auto who = identity(true);
  const auto token = token_for("8");
  TestRequest forged("Bearer " + token.substr(0, token.rfind('.') + 1) + "AAAA");
  EXPECT_FALSE(who.identify_without_signature(forged.request));
  who.identify(forged.request);
  EXPECT_EQ(forged.request.caller.credential, Credential::invalid);
  EXPECT_FALSE(forged.request.caller.user_id);
}

}  // namespace
