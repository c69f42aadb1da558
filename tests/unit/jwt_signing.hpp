#pragma once

// Test-side token minting with OpenSSL directly (not through the code under test).
#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "platform/auth/base64url.hpp"

namespace jwt_signing {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

inline Key rsa_key(unsigned bits = 2048) {
  return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}
inline Key ec_key(const char* curve = "P-256") {
  return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

inline std::string public_pem(EVP_PKEY* key) {
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(out, key);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(out);
  return pem;
}

inline std::string hs256(std::string_view secret, std::string_view signing_input) {
  std::array<unsigned char, 32> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
       mac.data(), &size);
  return std::string(reinterpret_cast<const char*>(mac.data()), size);
}

// RS256 (PKCS#1 v1.5) or ES256 (raw r || s), by the key's type.
inline std::string asymmetric(EVP_PKEY* key, std::string_view signing_input) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(context, nullptr, &size, data, signing_input.size());
  std::string signature(size, '\0');
  EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                 signing_input.size());
  signature.resize(size);
  EVP_MD_CTX_free(context);
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return signature;
  const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(parsed), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(parsed), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(parsed);
  return raw;
}

inline std::string part(const boost::json::value& json) {
  return auth::base64url_encode(boost::json::serialize(json));
}

inline std::string signing_input(const boost::json::value& header,
                                 const boost::json::value& claims) {
  return part(header) + "." + part(claims);
}

inline std::string hs256_token(std::string_view secret, const boost::json::value& claims,
                               std::string_view alg = "HS256") {
  auto input = signing_input({{"alg", alg}, {"typ", "JWT"}}, claims);
  return input + "." + auth::base64url_encode(hs256(secret, input));
}

inline std::string asymmetric_token(EVP_PKEY* key, std::string_view alg,
                                    const boost::json::value& claims) {
  auto input = signing_input({{"alg", alg}, {"typ", "JWT"}}, claims);
  return input + "." + auth::base64url_encode(asymmetric(key, input));
}

}  // namespace jwt_signing
