#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// Base64url without padding (RFC 4648 section 5), as JWS compact serialisation uses it.
namespace auth {

// The most bytes `text_size` characters can decode to.
constexpr std::size_t base64url_decoded_capacity(std::size_t text_size) {
  return text_size / 4 * 3 + 2;
}

// Decodes into `out` and returns the number of bytes written; nullopt for a character
// outside the alphabet, padding, an impossible length, non-zero leftover bits (so every
// byte string has exactly one accepted encoding), or when `out` is too small.
std::optional<std::size_t> base64url_decode(std::string_view text, std::span<unsigned char> out);

std::string base64url_encode(std::span<const unsigned char> bytes);
std::string base64url_encode(std::string_view bytes);

}  // namespace auth
