#include "platform/auth/base64url.hpp"

#include <array>
#include <cstdint>

namespace auth {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr auto kDecode = make_decode_table();

}  // namespace

std::optional<std::size_t> base64url_decode(std::string_view text, std::span<unsigned char> out) {
  // One leftover character carries 6 bits: never a whole byte.
  if (text.size() % 4 == 1) return std::nullopt;
  const std::size_t size = text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1);
  if (size > out.size()) return std::nullopt;
  std::uint32_t bits = 0;
  int bit_count = 0;
  std::size_t written = 0;
  for (char c : text) {
    const std::uint8_t value = kDecode[static_cast<unsigned char>(c)];
    if (value == kInvalid) return std::nullopt;
    bits = (bits << 6) | value;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out[written++] = static_cast<unsigned char>((bits >> bit_count) & 0xff);
    }
  }
  // The bits left over after the last whole byte must be zero.
  if ((bits & ((1u << bit_count) - 1)) != 0) return std::nullopt;
  return written;
}

std::string base64url_encode(std::span<const unsigned char> bytes) {
  std::string text;
  text.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (unsigned char byte : bytes) {
    bits = (bits << 8) | byte;
    bit_count += 8;
    while (bit_count >= 6) {
      bit_count -= 6;
      text += kAlphabet[(bits >> bit_count) & 0x3f];
    }
  }
  if (bit_count > 0) text += kAlphabet[(bits << (6 - bit_count)) & 0x3f];
  return text;
}

std::string base64url_encode(std::string_view bytes) {
  return base64url_encode(std::span<const unsigned char>(
      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()));
}

}  // namespace auth
