#include "events/platform_url.hpp"

#include <fmt/format.h>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "platform/config/config.hpp"

namespace events {

namespace {

[[noreturn]] void reject(std::string_view url, std::string_view why) {
  throw config::ConfigError(fmt::format("DATA_PLATFORM_URL {}, got '{}'", why, url));
}

}  // namespace

PlatformUrl parse_platform_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    reject(url, "must be an absolute http:// or https:// URL such as https://host:8443/events");
  }
  const boost::urls::url_view view = *parsed;
  const bool tls = view.scheme_id() == boost::urls::scheme::https;
  if (!tls && view.scheme_id() != boost::urls::scheme::http) {
    reject(url, "must use http:// or https://");
  }
  if (!view.has_authority() || view.encoded_host().empty()) reject(url, "must name a host");
  if (view.has_userinfo()) reject(url, "must not carry user info");
  if (view.has_fragment()) reject(url, "must not have a fragment");

  PlatformUrl out;
  out.tls = tls;
  out.port = tls ? 443 : 80;
  const std::uint16_t default_port = out.port;
  out.host = view.host_address();
  if (view.has_port()) {
    if (view.port().empty() || view.port_number() == 0) reject(url, "has an invalid port");
    out.port = view.port_number();
  }
  out.target = std::string(view.encoded_target());
  if (out.target.empty() || out.target.front() != '/') out.target = "/" + out.target;
  out.host_header = std::string(view.encoded_host());
  if (out.port != default_port) out.host_header += fmt::format(":{}", out.port);
  return out;
}

}  // namespace events
