#include "events/nats_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "platform/config/config.hpp"

namespace events {

namespace {

constexpr std::string_view kScheme = "nats://";
constexpr std::string_view kDefaultPort = "4222";

[[noreturn]] void reject(std::string_view url, std::string_view why) {
  throw config::ConfigError(fmt::format("DATA_PLATFORM_URL {}, got '{}'", why, url));
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {  // an IPv6 literal
    return host.size() > 2 && host.back() == ']' &&
           std::all_of(host.begin() + 1, host.end() - 1,
                       [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
  }
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

bool valid_port(std::string_view port) {
  unsigned value = 0;
  const auto* end = port.data() + port.size();
  const auto [ptr, ec] = std::from_chars(port.data(), end, value);
  return ec == std::errc{} && ptr == end && value >= 1 && value <= 65535;
}

// "host[:port]" -> "nats://host:port"
std::string server_url(std::string_view url, std::string_view server) {
  if (server.find('@') != std::string_view::npos) reject(url, "must not carry user info");
  std::string_view host = server;
  std::string_view port = kDefaultPort;
  const auto colon = server.rfind(':');
  const bool bracketed = !server.empty() && server.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || colon > server.rfind(']'))) {
    host = server.substr(0, colon);
    port = server.substr(colon + 1);
    if (!valid_port(port)) reject(url, "has an invalid port");
  }
  if (!valid_host(host)) reject(url, "must name each server as host[:port]");
  return fmt::format("nats://{}:{}", host, port);
}

// Publishing needs a literal subject: dot-separated tokens, no wildcards or whitespace.
bool valid_subject(std::string_view subject) {
  if (subject.empty() || subject.front() == '.' || subject.back() == '.') return false;
  if (subject.find("..") != std::string_view::npos) return false;
  return std::all_of(subject.begin(), subject.end(), [](unsigned char c) {
    return c > ' ' && c < 0x7f && c != '*' && c != '>';
  });
}

}  // namespace

bool is_nats_url(std::string_view url) {
  return url.size() >= kScheme.size() &&
         std::equal(kScheme.begin(), kScheme.end(), url.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

NatsUrl parse_nats_url(std::string_view url) {
  if (!is_nats_url(url)) reject(url, "must start with nats://");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    reject(url, "must not have a query or a fragment");
  }
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) reject(url, "must end with /<subject>");
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view subject = rest.substr(slash + 1);

  NatsUrl out;
  std::size_t start = 0;
  while (start <= authority.size()) {
    const auto comma = std::min(authority.find(',', start), authority.size());
    out.servers.push_back(server_url(url, authority.substr(start, comma - start)));
    start = comma + 1;
  }
  if (!valid_subject(subject)) {
    reject(url, "must end with a subject to publish on (dot-separated, no wildcards)");
  }
  out.subject = std::string(subject);
  return out;
}

}  // namespace events
