#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace events {

// Where events are POSTed, taken apart for the HTTP/1.1 client.
struct PlatformUrl {
  std::string host;         // name or address to connect to and verify (IPv6 without brackets)
  std::uint16_t port = 80;  // 443 by default for https://
  std::string target;       // origin-form request target: path and query, at least "/"
  std::string host_header;  // the Host header: host, and the port when not the default
  bool tls = false;         // https://: the certificate and host name are verified
};

// Parses an http:// or https:// DATA_PLATFORM_URL. Any other scheme, a missing host, user
// info or a fragment throw config::ConfigError naming the variable, so a bad URL stops the
// service at start instead of failing every delivery.
PlatformUrl parse_platform_url(std::string_view url);

}  // namespace events
