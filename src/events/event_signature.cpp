#include "events/event_signature.hpp"

#include <array>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace events {

std::string event_signature(std::string_view secret, std::int64_t unix_seconds,
                            std::string_view body) {
  const std::string timestamp = std::to_string(unix_seconds);
  std::string signed_text;
  signed_text.reserve(timestamp.size() + 1 + body.size());
  signed_text.append(timestamp).append(1, '.').append(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(),
           mac.data(), &mac_size) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  std::string header = fmt::format("t={},v1=", timestamp);
  header.reserve(header.size() + 2 * mac_size);
  for (unsigned int i = 0; i < mac_size; ++i)
    fmt::format_to(std::back_inserter(header), "{:02x}", mac[i]);
  return header;
}

}  // namespace events
