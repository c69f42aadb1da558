// A request path as a client may spell it: canonical_path either refuses it or gives the one
// spelling every policy sees, and the router, given that spelling, either finds no route or
// one whose pattern and parameters give back exactly that path. Checked:
// - the canonical path starts with '/', has no empty, "." or ".." segment, and is its own
//   canonical path once encoded again (so routing, the rate limit and authentication can
//   never see two spellings of one path);
// - a matched pattern with its parameters put back rebuilds the canonical path, and a
//   parameter is never empty nor holds a '/'.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "platform/http/canonical_path.hpp"
#include "platform/http/router.hpp"

namespace {

// The service's route patterns (src/*/…_routes.cpp), with the methods that matter here.
const http::Router& routes() {
  static const http::Router router = [] {
    http::Router r;
    const http::Handler none = [](http::Request&) -> boost::asio::awaitable<http::Response> {
      co_return http::Response{};
    };
    for (const char* pattern : {"/api/openapi.yaml",
                                "/api/v1/admin/coupons",
                                "/api/v1/admin/coupons/{id}",
                                "/api/v1/admin/products",
                                "/api/v1/admin/products/{id}/stock",
                                "/api/v1/coupons",
                                "/api/v1/coupons/issue",
                                "/api/v1/orders",
                                "/api/v1/orders/{id}",
                                "/api/v1/orders/{id}/cancel",
                                "/api/v1/points",
                                "/api/v1/points/charge",
                                "/api/v1/points/history",
                                "/api/v1/points/use",
                                "/api/v1/products",
                                "/api/v1/products/best",
                                "/api/v1/products/{id}",
                                "/api/v1/users",
                                "/docs",
                                "/docs/assets/{file}",
                                "/health",
                                "/metrics",
                                "/ready"}) {
      r.add(http::Method::get, pattern, none);
    }
    r.add(http::Method::post, "/api/v1/points/charge", http::Access::user, none);
    r.add(http::Method::post, "/api/v1/orders/{id}/cancel", http::Access::user, none);
    return r;
  }();
  return router;
}

// Every byte but '/' and RFC 3986's unreserved characters as %XX.
std::string percent_encoded(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

void check_canonical(const std::string& path) {
  if (path.empty() || path.front() != '/') std::abort();
  if (path == "/") return;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view segment(path.data() + start, end - start);
    if (segment.empty() || segment == "." || segment == "..") std::abort();
    if (segment.find('\0') != std::string_view::npos) std::abort();
    start = end + 1;
  }
  // Decoded, it may hold '%' or bytes a target cannot carry: encoded again, it must come back
  // as itself.
  if (http::canonical_path(percent_encoded(path)) != path) std::abort();
}

void check_match(const std::string& path, const http::Router::Match& match) {
  if (match.kind != http::Router::Match::Kind::found) return;
  std::string rebuilt;
  std::size_t next_param = 0;
  std::string_view pattern = match.pattern;
  std::size_t start = 1;
  while (start <= pattern.size()) {
    auto end = pattern.find('/', start);
    if (end == std::string_view::npos) end = pattern.size();
    const auto segment = pattern.substr(start, end - start);
    rebuilt += '/';
    if (segment.size() > 2 && segment.front() == '{') {
      if (next_param >= match.params.size()) std::abort();
      const auto& value = match.params[next_param++].second;
      if (value.empty() || value.find('/') != std::string::npos) std::abort();
      rebuilt += value;
    } else {
      rebuilt += segment;
    }
    start = end + 1;
  }
  if (next_param != match.params.size() || rebuilt != path) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto canonical = http::canonical_path(input);
  if (!canonical) return 0;
  check_canonical(*canonical);
  for (auto method : {http::Method::get, http::Method::post}) {
    check_match(*canonical, routes().match(method, *canonical));
  }
  return 0;
}
