#include "platform/auth/jwt_verifier.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "platform/auth/base64url.hpp"

namespace auth {

// The lifetime claims. A cached token keeps them, so each use checks them again.
struct Lifetime {
  double expires = 0;
  double starts = -std::numeric_limits<double>::infinity();  // the later of nbf and iat
};

namespace {

constexpr std::size_t kSha256Bytes = 32;
constexpr std::size_t kEs256SignatureBytes = 64;  // r || s, 32 bytes each (RFC 7518 3.4)
constexpr std::size_t kMinRsaBits = 2048;
// Decoded sizes: a header is a few dozen bytes; signatures go up to RSA-8192's 1024.
constexpr std::size_t kMaxHeaderBytes = 1024;
constexpr std::size_t kMaxSignatureBytes = 1024;
constexpr std::size_t kMaxPayloadBytes = base64url_decoded_capacity(JwtVerifier::kMaxTokenBytes);

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

// JSON parsed into `scratch` (no heap allocation for small documents); the value lives as
// long as the resource does.
class JsonScratch {
 public:
  const boost::json::object* parse_object(std::string_view text) {
    boost::system::error_code ec;
    // Constructed in place: assigning would copy the value into the default heap storage.
    value_.emplace(boost::json::parse(text, ec, &resource_));
    if (ec || !value_->is_object()) return nullptr;
    return &value_->get_object();
  }

 private:
  std::array<unsigned char, 2048> buffer_;
  boost::json::monotonic_resource resource_{buffer_.data(), buffer_.size()};
  std::optional<boost::json::value> value_;
};

std::string_view as_text(std::span<const unsigned char> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A NumericDate: seconds since the epoch, possibly fractional (RFC 7519 section 2).
std::optional<double> numeric_date(const boost::json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  return std::nullopt;
}

// `sub` as a user id: a positive decimal integer without sign or leading zeros.
std::optional<std::int64_t> user_id_of(std::string_view subject) {
  if (subject.empty() || subject.size() > 19 || subject.front() == '0') return std::nullopt;
  for (char c : subject) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(subject.data(), subject.data() + subject.size(), id);
  if (ec != std::errc{} || end != subject.data() + subject.size() || id <= 0) return std::nullopt;
  return id;
}

bool audience_matches(const boost::json::value& audience, std::string_view expected) {
  if (audience.is_string()) return audience.get_string() == expected;
  if (!audience.is_array()) return false;
  for (const auto& entry : audience.get_array()) {
    if (entry.is_string() && entry.get_string() == expected) return true;
  }
  return false;
}

JwtVerification refused(JwtFailure failure) {
  JwtVerification result;
  result.failure = failure;
  return result;
}

std::optional<JwtFailure> lifetime_failure(const Lifetime& lifetime, std::int64_t now,
                                           std::int64_t leeway_seconds) {
  const auto current = static_cast<double>(now);
  const auto leeway = static_cast<double>(leeway_seconds);
  if (current >= lifetime.expires + leeway) return JwtFailure::expired;
  if (lifetime.starts > current + leeway) return JwtFailure::not_yet_valid;
  return std::nullopt;
}

// The checks on the payload once the signature holds; `lifetime` is filled on the way.
JwtVerification check_claims(const boost::json::object& claims, const JwtRules& rules,
                             std::int64_t now, Lifetime& lifetime) {
  const auto* exp = claims.if_contains("exp");
  if (exp == nullptr) return refused(JwtFailure::expired);
  auto expires = numeric_date(*exp);
  if (!expires) return refused(JwtFailure::malformed);
  lifetime.expires = *expires;
  for (std::string_view name : {"nbf", "iat"}) {
    const auto* claim = claims.if_contains(name);
    if (claim == nullptr) continue;
    auto moment = numeric_date(*claim);
    if (!moment) return refused(JwtFailure::malformed);
    lifetime.starts = std::max(lifetime.starts, *moment);
  }
  if (auto failure = lifetime_failure(lifetime, now, rules.leeway_seconds)) {
    return refused(*failure);
  }

  if (!rules.issuer.empty()) {
    const auto* issuer = claims.if_contains("iss");
    if (issuer == nullptr || !issuer->is_string() || issuer->get_string() != rules.issuer) {
      return refused(JwtFailure::wrong_issuer);
    }
  }
  if (!rules.audience.empty()) {
    const auto* audience = claims.if_contains("aud");
    if (audience == nullptr || !audience_matches(*audience, rules.audience)) {
      return refused(JwtFailure::wrong_audience);
    }
  }

  JwtVerification result;
  if (const auto* subject = claims.if_contains("sub"); subject && subject->is_string()) {
    result.identity.user_id = user_id_of(subject->get_string());
  }
  if (const auto* role = claims.if_contains("role"); role && role->is_string()) {
    result.identity.admin = role->get_string() == "admin";
  }
  if (!result.identity.user_id && !result.identity.admin) return refused(JwtFailure::no_subject);
  return result;
}

// Tokens this thread has verified lately, per verifier: a client sends the same token with
// every request until it expires, and then only the lifetime needs checking again. Only
// fully verified tokens get in, and a hit needs the whole token to be equal. Direct-mapped
// by the token's hash; a collision simply replaces the older entry.
struct CachedToken {
  std::uint64_t verifier = 0;
  std::string token;
  Lifetime lifetime;
  JwtIdentity identity;
};
constexpr std::size_t kCachedTokens = 256;
thread_local std::array<CachedToken, kCachedTokens> t_verified;
std::atomic<std::uint64_t> g_next_verifier_id{1};

// The last header this thread accepted, per verifier (its validity depends only on its
// bytes and the verifier's algorithm).
struct AcceptedHeader {
  std::uint64_t verifier = 0;
  std::string header;
};
thread_local AcceptedHeader t_header;

// This thread's HS256 context (a copy of the verifier's keyed template).
struct ThreadHmac {
  std::uint64_t verifier = 0;
  EVP_MAC_CTX* context = nullptr;
  ~ThreadHmac() { EVP_MAC_CTX_free(context); }
};
thread_local ThreadHmac t_hmac;

// ES256 signatures are the raw r || s; OpenSSL verifies the DER form (ECDSA-Sig-Value).
std::optional<std::size_t> es256_to_der(const unsigned char* raw, std::span<unsigned char> der) {
  ECDSA_SIG* signature = ECDSA_SIG_new();
  if (signature == nullptr) return std::nullopt;
  BIGNUM* r = BN_bin2bn(raw, kEs256SignatureBytes / 2, nullptr);
  BIGNUM* s = BN_bin2bn(raw + kEs256SignatureBytes / 2, kEs256SignatureBytes / 2, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(signature, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(signature);
    return std::nullopt;
  }
  std::optional<std::size_t> size;
  const int needed = i2d_ECDSA_SIG(signature, nullptr);
  if (needed > 0 && static_cast<std::size_t>(needed) <= der.size()) {
    unsigned char* out = der.data();
    const int written = i2d_ECDSA_SIG(signature, &out);
    if (written > 0) size = static_cast<std::size_t>(written);
  }
  ECDSA_SIG_free(signature);
  return size;
}

}  // namespace

std::string_view algorithm_name(JwtAlgorithm algorithm) {
  switch (algorithm) {
    case JwtAlgorithm::hs256:
      return "HS256";
    case JwtAlgorithm::rs256:
      return "RS256";
    case JwtAlgorithm::es256:
      return "ES256";
  }
  return "?";
}

std::string_view failure_name(JwtFailure failure) {
  switch (failure) {
    case JwtFailure::malformed:
      return "malformed";
    case JwtFailure::wrong_algorithm:
      return "wrong_algorithm";
    case JwtFailure::bad_signature:
      return "bad_signature";
    case JwtFailure::expired:
      return "expired";
    case JwtFailure::not_yet_valid:
      return "not_yet_valid";
    case JwtFailure::wrong_issuer:
      return "wrong_issuer";
    case JwtFailure::wrong_audience:
      return "wrong_audience";
    case JwtFailure::no_subject:
      return "no_subject";
  }
  return "?";
}

JwtVerifier::JwtVerifier(JwtAlgorithm algorithm, JwtRules rules)
    : id_(g_next_verifier_id.fetch_add(1)), algorithm_(algorithm), rules_(std::move(rules)) {}

JwtVerifier::JwtVerifier(JwtVerifier&& other) noexcept
    : id_(std::exchange(other.id_, 0)),
      algorithm_(other.algorithm_),
      rules_(std::move(other.rules_)),
      hmac_template_(std::exchange(other.hmac_template_, nullptr)),
      public_key_(std::exchange(other.public_key_, nullptr)) {}

JwtVerifier& JwtVerifier::operator=(JwtVerifier&& other) noexcept {
  if (this != &other) {
    EVP_MAC_CTX_free(hmac_template_);
    EVP_PKEY_free(public_key_);
    id_ = std::exchange(other.id_, 0);
    algorithm_ = other.algorithm_;
    rules_ = std::move(other.rules_);
    hmac_template_ = std::exchange(other.hmac_template_, nullptr);
    public_key_ = std::exchange(other.public_key_, nullptr);
  }
  return *this;
}

JwtVerifier::~JwtVerifier() {
  EVP_MAC_CTX_free(hmac_template_);
  EVP_PKEY_free(public_key_);
}

JwtVerifier JwtVerifier::with_secret(std::string_view secret, JwtRules rules) {
  if (secret.size() < kMinSecretBytes) {
    throw JwtKeyError("an HS256 secret must be at least 32 bytes");
  }
  JwtVerifier verifier(JwtAlgorithm::hs256, std::move(rules));
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw JwtKeyError("HMAC is unavailable: " + openssl_error());
  verifier.hmac_template_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context keeps its own reference
  if (verifier.hmac_template_ == nullptr) throw JwtKeyError("HMAC context: " + openssl_error());
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(verifier.hmac_template_, reinterpret_cast<const unsigned char*>(secret.data()),
                   secret.size(), params) != 1) {
    throw JwtKeyError("HMAC key setup: " + openssl_error());
  }
  return verifier;
}

JwtVerifier JwtVerifier::with_public_key_pem(std::string_view pem, JwtRules rules) {
  BIO* input = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (input == nullptr) throw JwtKeyError("cannot read the key: " + openssl_error());
  EVP_PKEY* key = PEM_read_bio_PUBKEY(input, nullptr, nullptr, nullptr);
  BIO_free(input);
  if (key == nullptr) {
    ERR_clear_error();
    throw JwtKeyError("not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
  }
  JwtVerifier verifier(JwtAlgorithm::rs256, std::move(rules));
  verifier.public_key_ = key;  // freed by the verifier from here on
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < static_cast<int>(kMinRsaBits)) {
        throw JwtKeyError("an RSA key for RS256 must have at least 2048 bits");
      }
      verifier.algorithm_ = JwtAlgorithm::rs256;
      break;
    case EVP_PKEY_EC: {
      std::array<char, 64> group{};
      std::size_t length = 0;
      if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1 ||
          std::string_view(group.data(), length) != "prime256v1") {
        ERR_clear_error();
        throw JwtKeyError("an EC key for ES256 must be on the P-256 curve");
      }
      verifier.algorithm_ = JwtAlgorithm::es256;
      break;
    }
    default:
      throw JwtKeyError("the public key must be RSA (RS256) or EC P-256 (ES256)");
  }
  return verifier;
}

bool JwtVerifier::signature_matches(std::string_view signed_part, const unsigned char* signature,
                                    std::size_t signature_size) const {
  const auto* data = reinterpret_cast<const unsigned char*>(signed_part.data());
  if (algorithm_ == JwtAlgorithm::hs256) {
    if (signature_size != kSha256Bytes) return false;
    // This thread's copy of the keyed context, reset (same key) after the first use: a
    // fresh copy per token costs twice as much (allocations of three digest contexts).
    if (t_hmac.verifier != id_ || t_hmac.context == nullptr) {
      EVP_MAC_CTX_free(t_hmac.context);
      t_hmac.context = EVP_MAC_CTX_dup(hmac_template_);
      t_hmac.verifier = id_;
      if (t_hmac.context == nullptr) return false;
    } else if (EVP_MAC_init(t_hmac.context, nullptr, 0, nullptr) != 1) {
      return false;
    }
    std::array<unsigned char, kSha256Bytes> expected{};
    std::size_t expected_size = 0;
    const bool computed =
        EVP_MAC_update(t_hmac.context, data, signed_part.size()) == 1 &&
        EVP_MAC_final(t_hmac.context, expected.data(), &expected_size, expected.size()) == 1 &&
        expected_size == kSha256Bytes;
    return computed && CRYPTO_memcmp(expected.data(), signature, kSha256Bytes) == 0;
  }

  std::array<unsigned char, 80> der{};
  if (algorithm_ == JwtAlgorithm::es256) {
    if (signature_size != kEs256SignatureBytes) return false;
    auto der_size = es256_to_der(signature, der);
    if (!der_size) return false;
    signature = der.data();
    signature_size = *der_size;
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr) return false;
  const bool verified =
      EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, public_key_) == 1 &&
      EVP_DigestVerify(context, signature, signature_size, data, signed_part.size()) == 1;
  EVP_MD_CTX_free(context);
  if (!verified) ERR_clear_error();  // a refused signature leaves errors on this thread's queue
  return verified;
}

std::optional<JwtVerification> JwtVerifier::recall(std::string_view token, std::int64_t now) const {
  if (id_ == 0 || token.size() > kMaxTokenBytes) return std::nullopt;
  const CachedToken& cached = t_verified[std::hash<std::string_view>{}(token) % kCachedTokens];
  if (cached.verifier != id_ || cached.token != token) return std::nullopt;
  if (auto failure = lifetime_failure(cached.lifetime, now, rules_.leeway_seconds)) {
    return refused(*failure);
  }
  JwtVerification hit;
  hit.identity = cached.identity;
  return hit;
}

JwtVerification JwtVerifier::verify(std::string_view token, std::int64_t now) const {
  // A moved-from verifier has no key: it accepts nothing.
  if (id_ == 0 || token.size() > kMaxTokenBytes) return refused(JwtFailure::malformed);
  if (auto known = recall(token, now)) return *known;
  CachedToken& cached = t_verified[std::hash<std::string_view>{}(token) % kCachedTokens];
  Lifetime lifetime;
  auto result = verify_uncached(token, now, lifetime);
  if (result.valid()) {
    cached.verifier = id_;
    cached.token.assign(token);
    cached.lifetime = lifetime;
    cached.identity = result.identity;
  }
  return result;
}

JwtVerification JwtVerifier::verify_uncached(std::string_view token, std::int64_t now,
                                             Lifetime& lifetime) const {
  const auto first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return refused(JwtFailure::malformed);
  const auto second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos) {
    return refused(JwtFailure::malformed);
  }
  const auto header_text = token.substr(0, first_dot);
  const auto payload_text = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const auto signature_text = token.substr(second_dot + 1);

  // The header first: its alg must be ours before anything is verified with it. An
  // issuer writes the same header on every token, so the last one accepted is remembered.
  if (t_header.verifier != id_ || t_header.header != header_text) {
    std::array<unsigned char, kMaxHeaderBytes> header_bytes;
    auto header_size = base64url_decode(header_text, header_bytes);
    if (!header_size) return refused(JwtFailure::malformed);
    JsonScratch header_json;
    const auto* header =
        header_json.parse_object(as_text(std::span(header_bytes.data(), *header_size)));
    if (header == nullptr) return refused(JwtFailure::malformed);
    const auto* alg = header->if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->get_string() != algorithm_name(algorithm_)) {
      return refused(JwtFailure::wrong_algorithm);
    }
    // Extensions this verifier does not understand must not be ignored (RFC 7515 4.1.11).
    if (header->contains("crit")) return refused(JwtFailure::wrong_algorithm);
    t_header.verifier = id_;
    t_header.header.assign(header_text);
  }

  std::array<unsigned char, kMaxSignatureBytes> signature;
  auto signature_size = base64url_decode(signature_text, signature);
  if (!signature_size) return refused(JwtFailure::malformed);
  if (!signature_matches(token.substr(0, second_dot), signature.data(), *signature_size)) {
    return refused(JwtFailure::bad_signature);
  }

  std::array<unsigned char, kMaxPayloadBytes> payload_bytes;
  auto payload_size = base64url_decode(payload_text, payload_bytes);
  if (!payload_size) return refused(JwtFailure::malformed);
  JsonScratch payload_json;
  const auto* claims =
      payload_json.parse_object(as_text(std::span(payload_bytes.data(), *payload_size)));
  if (claims == nullptr) return refused(JwtFailure::malformed);
  return check_claims(*claims, rules_, now, lifetime);
}

}  // namespace auth
