#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "jwt_signing.hpp"
#include "platform/auth/base64url.hpp"
#include "platform/auth/jwt_verifier.hpp"

namespace {

using auth::JwtFailure;
using auth::JwtVerifier;
using boost::json::object;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes

object claims(std::string sub = "42") {
  return {{"sub", sub}, {"exp", kNow + 300}, {"iat", kNow}};
}

JwtVerifier hs256(auth::JwtRules rules = {}) {
  return JwtVerifier::with_secret(kSecret, std::move(rules));
}

std::optional<JwtFailure> failure_of(const JwtVerifier& verifier, const std::string& token,
                                     std::int64_t now = kNow) {
  return verifier.verify(token, now).failure;
}

// ---- base64url ---------------------------------------------------------------------

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto text = auth::base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    std::vector<unsigned char> out(auth::base64url_decoded_capacity(text.size()));
    auto size = auth::base64url_decode(text, out);
    ASSERT_TRUE(size) << text;
    EXPECT_EQ(std::string(out.begin(), out.begin() + static_cast<long>(*size)), bytes);
    bytes += static_cast<char>(i * 37 + 250);
  }
}

TEST(Base64Url, KnownVectors) {
  EXPECT_EQ(auth::base64url_encode(std::string_view("\xfb\xff")), "-_8");
  EXPECT_EQ(auth::base64url_encode(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_EQ(auth::base64url_encode(std::string_view("fooba")), "Zm9vYmE");
}

TEST(Base64Url, RejectsWhatIsNotCanonicalUnpaddedBase64Url) {
  std::array<unsigned char, 64> out{};
  for (const char* text : {"Zm9vYmE=", "Zm9v+mFy", "Zm9v/mFy", "Zm9vY", "Zm 9v", "Zm9vYmF",
                           "Zm9vYmF=", "Zg==", "Zh"}) {
    EXPECT_FALSE(auth::base64url_decode(text, out)) << text;
  }
  EXPECT_TRUE(auth::base64url_decode("Zg", out));                              // "f"
  EXPECT_FALSE(auth::base64url_decode("Zm9vYmFy", std::span(out.data(), 5)));  // too small
}

// ---- HS256 -------------------------------------------------------------------------

TEST(JwtVerifier, AcceptsAValidHs256TokenAndReadsTheUser) {
  auto result = hs256().verify(jwt_signing::hs256_token(kSecret, claims("42")), kNow);
  ASSERT_TRUE(result.valid()) << auth::failure_name(*result.failure);
  EXPECT_EQ(result.identity.user_id, 42);
  EXPECT_FALSE(result.identity.admin);
}

TEST(JwtVerifier, RefusesAShortSecret) {
  EXPECT_THROW(JwtVerifier::with_secret(kSecret.substr(1), {}), auth::JwtKeyError);
}

TEST(JwtVerifier, RefusesABadSignature) {
  auto token = jwt_signing::hs256_token("another secret that is 32 bytes!", claims());
  EXPECT_EQ(failure_of(hs256(), token), JwtFailure::bad_signature);
}

TEST(JwtVerifier, RefusesATamperedPayload) {
  auto token = jwt_signing::hs256_token(kSecret, claims("42"));
  auto dot1 = token.find('.');
  auto dot2 = token.find('.', dot1 + 1);
  auto forged = token.substr(0, dot1 + 1) + jwt_signing::part(claims("43")) + token.substr(dot2);
  EXPECT_EQ(failure_of(hs256(), forged), JwtFailure::bad_signature);
}

TEST(JwtVerifier, RefusesAlgNoneAndOtherAlgorithms) {
  auto input = jwt_signing::signing_input({{"alg", "none"}}, claims());
  EXPECT_EQ(failure_of(hs256(), input + "."), JwtFailure::wrong_algorithm);
  for (const char* alg : {"HS384", "RS256", "hs256", "NONE"}) {
    EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, claims(), alg)),
              JwtFailure::wrong_algorithm)
        << alg;
  }
  auto no_alg = jwt_signing::signing_input({{"typ", "JWT"}}, claims());
  no_alg += "." + auth::base64url_encode(jwt_signing::hs256(kSecret, no_alg));
  EXPECT_EQ(failure_of(hs256(), no_alg), JwtFailure::wrong_algorithm);
}

TEST(JwtVerifier, RefusesCriticalHeaderExtensions) {
  auto input = jwt_signing::signing_input({{"alg", "HS256"}, {"crit", {"exp"}}}, claims());
  auto token = input + "." + auth::base64url_encode(jwt_signing::hs256(kSecret, input));
  EXPECT_EQ(failure_of(hs256(), token), JwtFailure::wrong_algorithm);
}

TEST(JwtVerifier, RefusesGarbage) {
  for (const char* token : {"", "abc", "a.b", "a.b.c.d", "..", "e30.e30.", "!!!.e30.AAAA",
                            "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA"}) {
    EXPECT_FALSE(hs256().verify(token, kNow).valid()) << token;
  }
  // A valid signature over a payload that is not a JSON object.
  auto input = jwt_signing::part({{"alg", "HS256"}}) + "." + auth::base64url_encode("[1,2]");
  auto token = input + "." + auth::base64url_encode(jwt_signing::hs256(kSecret, input));
  EXPECT_EQ(failure_of(hs256(), token), JwtFailure::malformed);
  EXPECT_EQ(failure_of(hs256(), std::string(JwtVerifier::kMaxTokenBytes + 1, 'a')),
            JwtFailure::malformed);
}

TEST(JwtVerifier, ExpIsRequiredAndHasSixtySecondsOfLeeway) {
  auto without_exp = claims();
  without_exp.erase("exp");
  EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, without_exp)),
            JwtFailure::expired);

  auto expired = claims();
  expired["exp"] = kNow - 61;
  EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, expired)), JwtFailure::expired);
  expired["exp"] = kNow - 59;  // inside the leeway
  EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, expired)), std::nullopt);
  expired["exp"] = kNow - 60;  // exactly at the edge: now >= exp + leeway
  EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, expired)), JwtFailure::expired);
  expired["exp"] = static_cast<double>(kNow) - 59.5;  // NumericDate may be fractional
  EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, expired)), std::nullopt);
  expired["exp"] = "tomorrow";
  EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, expired)), JwtFailure::malformed);
}

TEST(JwtVerifier, NbfAndIatMustNotBeInTheFutureBeyondTheLeeway) {
  for (const char* claim : {"nbf", "iat"}) {
    auto early = claims();
    early[claim] = kNow + 61;
    EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, early)),
              JwtFailure::not_yet_valid)
        << claim;
    early[claim] = kNow + 59;
    EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, early)), std::nullopt) << claim;
    early[claim] = true;
    EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, early)), JwtFailure::malformed)
        << claim;
  }
}

TEST(JwtVerifier, IssuerAndAudienceAreCheckedWhenConfigured) {
  auto verifier = hs256({"https://issuer.example", "ecommerce", 60});
  auto token_claims = claims();
  EXPECT_EQ(failure_of(verifier, jwt_signing::hs256_token(kSecret, token_claims)),
            JwtFailure::wrong_issuer);
  token_claims["iss"] = "https://other.example";
  EXPECT_EQ(failure_of(verifier, jwt_signing::hs256_token(kSecret, token_claims)),
            JwtFailure::wrong_issuer);
  token_claims["iss"] = "https://issuer.example";
  EXPECT_EQ(failure_of(verifier, jwt_signing::hs256_token(kSecret, token_claims)),
            JwtFailure::wrong_audience);
  token_claims["aud"] = "billing";
  EXPECT_EQ(failure_of(verifier, jwt_signing::hs256_token(kSecret, token_claims)),
            JwtFailure::wrong_audience);
  token_claims["aud"] = "ecommerce";
  EXPECT_EQ(failure_of(verifier, jwt_signing::hs256_token(kSecret, token_claims)), std::nullopt);
  token_claims["aud"] = {"billing", "ecommerce"};
  EXPECT_EQ(failure_of(verifier, jwt_signing::hs256_token(kSecret, token_claims)), std::nullopt);
  token_claims["aud"] = {"billing", 7};
  EXPECT_EQ(failure_of(verifier, jwt_signing::hs256_token(kSecret, token_claims)),
            JwtFailure::wrong_audience);
  // Without configured values, iss and aud are not looked at.
  EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, token_claims)), std::nullopt);
}

TEST(JwtVerifier, SubjectMustBeADecimalUserIdUnlessTheTokenIsAnAdmins) {
  for (const char* sub : {"0", "-1", "+1", "007", "1.0", "abc", "", "99999999999999999999"}) {
    EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, claims(sub))),
              JwtFailure::no_subject)
        << sub;
  }
  auto numeric = claims();
  numeric["sub"] = 42;  // a number, not the decimal string the contract asks for
  EXPECT_EQ(failure_of(hs256(), jwt_signing::hs256_token(kSecret, numeric)),
            JwtFailure::no_subject);

  auto admin = claims("ops-team");
  admin["role"] = "admin";
  auto result = hs256().verify(jwt_signing::hs256_token(kSecret, admin), kNow);
  ASSERT_TRUE(result.valid());
  EXPECT_TRUE(result.identity.admin);
  EXPECT_FALSE(result.identity.user_id);

  auto max_id =
      hs256().verify(jwt_signing::hs256_token(kSecret, claims("9223372036854775807")), kNow);
  EXPECT_EQ(max_id.identity.user_id, INT64_MAX);
}

TEST(JwtVerifier, ARecognisedTokenIsStillCheckedForItsLifetime) {
  auto verifier = hs256();
  auto token_claims = claims("42");
  token_claims["nbf"] = kNow + 100;
  token_claims["exp"] = kNow + 600;
  auto token = jwt_signing::hs256_token(kSecret, token_claims);
  EXPECT_EQ(failure_of(verifier, token, kNow + 200), std::nullopt);  // verified, remembered
  EXPECT_EQ(failure_of(verifier, token, kNow + 200), std::nullopt);  // recognised
  EXPECT_EQ(failure_of(verifier, token, kNow), JwtFailure::not_yet_valid);
  EXPECT_EQ(failure_of(verifier, token, kNow + 659), std::nullopt);
  EXPECT_EQ(failure_of(verifier, token, kNow + 660), JwtFailure::expired);
  EXPECT_EQ(verifier.verify(token, kNow + 300).identity.user_id, 42);
}

TEST(JwtVerifier, RecallAnswersOnlyForTokensVerifiedHereAndDoesNoSignatureWork) {
  auto verifier = hs256();
  auto token = jwt_signing::hs256_token(kSecret, claims("77"));
  EXPECT_FALSE(verifier.recall(token, kNow));  // never verified: only verify() can tell
  auto forged = token.substr(0, token.rfind('.') + 1) + "AAAA";
  EXPECT_EQ(failure_of(verifier, forged), JwtFailure::bad_signature);
  EXPECT_FALSE(verifier.recall(forged, kNow));  // refused tokens are never remembered
  ASSERT_EQ(failure_of(verifier, token), std::nullopt);
  auto known = verifier.recall(token, kNow);
  ASSERT_TRUE(known);
  EXPECT_TRUE(known->valid());
  EXPECT_EQ(known->identity.user_id, 77);
  // Its lifetime is checked again on recall.
  auto late = verifier.recall(token, kNow + 300 + 61);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->failure, JwtFailure::expired);
  EXPECT_FALSE(hs256().recall(token, kNow));  // another verifier remembers nothing of it
}

TEST(JwtVerifier, ATokenRememberedByOneVerifierMeansNothingToAnother) {
  auto token = jwt_signing::hs256_token(kSecret, claims("42"));
  auto first = hs256();
  EXPECT_EQ(failure_of(first, token), std::nullopt);
  auto other = JwtVerifier::with_secret("another secret that is 32 bytes!", {});
  EXPECT_EQ(failure_of(other, token), JwtFailure::bad_signature);
  auto strict = hs256({"https://issuer.example", "", 60});
  EXPECT_EQ(failure_of(strict, token), JwtFailure::wrong_issuer);
  // A moved verifier keeps its identity, and what it remembered.
  auto moved = std::move(first);
  EXPECT_EQ(failure_of(moved, token), std::nullopt);
  EXPECT_EQ(failure_of(first, token), JwtFailure::malformed);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(failure_of(first, ".e30.AAAA"), JwtFailure::malformed);
}

// ---- RS256 and ES256 -----------------------------------------------------------------

class AsymmetricKeys : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = jwt_signing::rsa_key().release();
    ec_ = jwt_signing::ec_key().release();
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(rsa_);
    EVP_PKEY_free(ec_);
  }
  static EVP_PKEY* rsa_;
  static EVP_PKEY* ec_;
};
EVP_PKEY* AsymmetricKeys::rsa_ = nullptr;
EVP_PKEY* AsymmetricKeys::ec_ = nullptr;

TEST_F(AsymmetricKeys, Rs256TokensVerifyWithTheRsaPublicKey) {
  auto verifier = JwtVerifier::with_public_key_pem(jwt_signing::public_pem(rsa_), {});
  EXPECT_EQ(verifier.algorithm(), auth::JwtAlgorithm::rs256);
  auto token = jwt_signing::asymmetric_token(rsa_, "RS256", claims("7"));
  auto result = verifier.verify(token, kNow);
  ASSERT_TRUE(result.valid()) << auth::failure_name(*result.failure);
  EXPECT_EQ(result.identity.user_id, 7);
  // A data bit of the signature: its last character also carries padding bits, which
  // must be zero, so flipping there would make the token malformed instead.
  char& inside = token[token.size() - 5];
  inside = inside == 'A' ? 'B' : 'A';
  EXPECT_EQ(failure_of(verifier, token), JwtFailure::bad_signature);
  // An ES256 token is refused by an RS256 verifier before any signature check.
  EXPECT_EQ(failure_of(verifier, jwt_signing::asymmetric_token(ec_, "ES256", claims())),
            JwtFailure::wrong_algorithm);
}

TEST_F(AsymmetricKeys, Es256TokensVerifyWithTheEcPublicKey) {
  auto verifier = JwtVerifier::with_public_key_pem(jwt_signing::public_pem(ec_), {});
  EXPECT_EQ(verifier.algorithm(), auth::JwtAlgorithm::es256);
  auto result = verifier.verify(jwt_signing::asymmetric_token(ec_, "ES256", claims("8")), kNow);
  ASSERT_TRUE(result.valid()) << auth::failure_name(*result.failure);
  EXPECT_EQ(result.identity.user_id, 8);
  // Another key's signature, and a DER signature (not the JWS r || s form), are refused.
  auto other = jwt_signing::ec_key();
  EXPECT_EQ(failure_of(verifier, jwt_signing::asymmetric_token(other.get(), "ES256", claims())),
            JwtFailure::bad_signature);
  auto input = jwt_signing::signing_input({{"alg", "ES256"}}, claims());
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  std::array<unsigned char, 80> der{};
  std::size_t der_size = der.size();
  EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, ec_);
  EVP_DigestSign(context, der.data(), &der_size,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(context);
  auto der_token = input + "." + auth::base64url_encode(std::span(der.data(), der_size));
  EXPECT_EQ(failure_of(verifier, der_token), JwtFailure::bad_signature);
}

TEST_F(AsymmetricKeys, AlgorithmConfusionFails) {
  // An HS256 token "signed" with the RSA public key's PEM as the HMAC secret.
  auto pem = jwt_signing::public_pem(rsa_);
  auto verifier = JwtVerifier::with_public_key_pem(pem, {});
  EXPECT_EQ(failure_of(verifier, jwt_signing::hs256_token(pem, claims())),
            JwtFailure::wrong_algorithm);
  auto ec_verifier = JwtVerifier::with_public_key_pem(jwt_signing::public_pem(ec_), {});
  EXPECT_EQ(failure_of(ec_verifier, jwt_signing::asymmetric_token(rsa_, "RS256", claims())),
            JwtFailure::wrong_algorithm);
}

TEST_F(AsymmetricKeys, RefusesKeysItCannotUse) {
  EXPECT_THROW(JwtVerifier::with_public_key_pem("not a key", {}), auth::JwtKeyError);
  auto small_rsa = jwt_signing::rsa_key(1024);
  EXPECT_THROW(JwtVerifier::with_public_key_pem(jwt_signing::public_pem(small_rsa.get()), {}),
               auth::JwtKeyError);
  auto p384 = jwt_signing::ec_key("P-384");
  EXPECT_THROW(JwtVerifier::with_public_key_pem(jwt_signing::public_pem(p384.get()), {}),
               auth::JwtKeyError);
  auto ed25519 = jwt_signing::Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  EXPECT_THROW(JwtVerifier::with_public_key_pem(jwt_signing::public_pem(ed25519.get()), {}),
               auth::JwtKeyError);
}

TEST_F(AsymmetricKeys, VerifiesFromManyThreadsAtOnce) {
  auto verifier = JwtVerifier::with_public_key_pem(jwt_signing::public_pem(ec_), {});
  auto hmac = hs256();
  auto es_token = jwt_signing::asymmetric_token(ec_, "ES256", claims("5"));
  auto hs_token = jwt_signing::hs256_token(kSecret, claims("6"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (verifier.verify(es_token, kNow).identity.user_id != 5) ++failures;
        if (hmac.verify(hs_token, kNow).identity.user_id != 6) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
