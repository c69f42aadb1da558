#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

// OpenSSL's key type, kept out of this header so including it stays cheap.
struct evp_pkey_st;
struct evp_mac_ctx_st;

namespace auth {

enum class JwtAlgorithm { hs256, rs256, es256 };

std::string_view algorithm_name(JwtAlgorithm algorithm);

// Why a token was refused. Only logs and tests see this: the client is told "invalid_token"
// and nothing more.
enum class JwtFailure {
  malformed,        // not three base64url parts of JSON objects, or a claim of the wrong type
  wrong_algorithm,  // header alg is not the configured one (none included), or crit is set
  bad_signature,
  expired,        // exp missing or past (beyond the leeway)
  not_yet_valid,  // nbf or iat in the future (beyond the leeway)
  wrong_issuer,
  wrong_audience,
  no_subject,  // sub is not a user id and the token is not an admin's
};

std::string_view failure_name(JwtFailure failure);

// What a valid token says about its bearer.
struct JwtIdentity {
  std::optional<std::int64_t> user_id;  // `sub` when it is a positive decimal id
  bool admin = false;                   // `role` is "admin"
};

struct JwtVerification {
  std::optional<JwtFailure> failure;  // empty: valid
  JwtIdentity identity;
  bool valid() const { return !failure; }
};

struct JwtRules {
  std::string issuer;    // empty: any (or no) iss
  std::string audience;  // empty: any (or no) aud
  std::int64_t leeway_seconds = 60;
};

struct Lifetime;  // a verified token's exp / nbf / iat (jwt_verifier.cpp)

class JwtKeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Verifies JWS compact tokens against one configured key and algorithm. The key is parsed
// once; verify() is const and safe to call from every event loop at once. No I/O.
class JwtVerifier {
 public:
  static constexpr std::size_t kMinSecretBytes = 32;
  static constexpr std::size_t kMaxTokenBytes = 8 * 1024;

  // HS256. Throws JwtKeyError when the secret is shorter than kMinSecretBytes.
  static JwtVerifier with_secret(std::string_view secret, JwtRules rules);
  // RS256 for an RSA key (2048 bits or more), ES256 for an EC P-256 key, from PEM text
  // (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"). Throws JwtKeyError for anything else.
  static JwtVerifier with_public_key_pem(std::string_view pem, JwtRules rules);

  JwtVerifier(JwtVerifier&&) noexcept;
  JwtVerifier& operator=(JwtVerifier&&) noexcept;
  ~JwtVerifier();

  JwtAlgorithm algorithm() const { return algorithm_; }
  const JwtRules& rules() const { return rules_; }

  // `now` is Unix time in seconds. A token this thread verified lately is recognised and
  // only its lifetime (exp, nbf, iat) checked again: a client sends the same token with
  // every request, and an RS256 or ES256 signature costs tens of microseconds.
  JwtVerification verify(std::string_view token, std::int64_t now) const;
  // The answer verify() would give for a token this thread verified lately (its lifetime
  // checked again), without any signature work; empty when the token is not remembered
  // (never verified here, invalid, or forgotten), so only verify() can tell.
  std::optional<JwtVerification> recall(std::string_view token, std::int64_t now) const;

 private:
  JwtVerifier(JwtAlgorithm algorithm, JwtRules rules);
  JwtVerification verify_uncached(std::string_view token, std::int64_t now,
                                  Lifetime& lifetime) const;
  bool signature_matches(std::string_view signed_part, const unsigned char* signature,
                         std::size_t signature_size) const;

  std::uint64_t id_;  // tells this verifier's cached tokens from another's; 0: moved from
  JwtAlgorithm algorithm_;
  JwtRules rules_;
  // HS256: an initialised HMAC context holding the key; each verification works on a copy.
  evp_mac_ctx_st* hmac_template_ = nullptr;
  // RS256 / ES256: the public key.
  evp_pkey_st* public_key_ = nullptr;
};

}  // namespace auth
