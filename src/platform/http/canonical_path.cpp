#include "platform/http/canonical_path.hpp"

#include <vector>

namespace http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The decoded segment, or empty when it is malformed or decodes to '/' or NUL.
std::optional<std::string> decode_segment(std::string_view encoded) {
  std::string decoded;
  decoded.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '%') {
      if (i + 2 >= encoded.size()) return std::nullopt;
      const int high = hex_value(encoded[i + 1]);
      const int low = hex_value(encoded[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '/' || c == '\0') return std::nullopt;
    decoded += c;
  }
  return decoded;
}

}  // namespace

std::optional<std::string> canonical_path(std::string_view encoded_path) {
  if (encoded_path.empty() || encoded_path.front() != '/') return std::nullopt;
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= encoded_path.size()) {
    auto end = encoded_path.find('/', start);
    if (end == std::string_view::npos) end = encoded_path.size();
    auto segment = decode_segment(encoded_path.substr(start, end - start));
    if (!segment) return std::nullopt;
    if (*segment == "..") return std::nullopt;
    if (!segment->empty() && *segment != ".") segments.push_back(std::move(*segment));
    start = end + 1;
  }
  if (segments.empty()) return std::string(1, '/');
  std::string canonical;
  canonical.reserve(encoded_path.size());
  for (const auto& segment : segments) {
    canonical.push_back('/');
    canonical.append(segment);
  }
  return canonical;
}

}  // namespace http
