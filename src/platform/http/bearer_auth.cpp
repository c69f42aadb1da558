#include "platform/http/bearer_auth.hpp"

#include <algorithm>
#include <cctype>

namespace http {

bool bearer_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view scheme = "Bearer ";
  if (token.empty() || authorization.size() <= scheme.size()) return false;
  bool scheme_ok = true;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    scheme_ok &= std::tolower(static_cast<unsigned char>(authorization[i])) ==
                 std::tolower(static_cast<unsigned char>(scheme[i]));
  }
  auto presented = authorization.substr(scheme.size());
  // Touch every byte of the longer string so the time depends only on the lengths.
  unsigned char difference = presented.size() == token.size() ? 0 : 1;
  const std::size_t length = std::max(presented.size(), token.size());
  for (std::size_t i = 0; i < length; ++i) {
    unsigned char a = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    unsigned char b = i < token.size() ? static_cast<unsigned char>(token[i]) : 0;
    difference |= static_cast<unsigned char>(a ^ b);
  }
  return scheme_ok && difference == 0;
}

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return {};
  }
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

}  // namespace http
