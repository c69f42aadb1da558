// DATA_PLATFORM_URL: any input is either refused with ConfigError or taken apart into what
// describes the same URL again. http://: a host, a port and an origin-form target whose Host
// header and target re-parse to the same result (what the relay sends is what was
// configured). nats://: servers and a literal subject that re-parse to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <variant>

#include "events/event_sinks.hpp"
#include "events/nats_url.hpp"
#include "events/platform_url.hpp"
#include "platform/config/config.hpp"

namespace {

void check_nats(const events::NatsUrl& url) {
  if (url.servers.empty() || url.subject.empty()) std::abort();
  std::string again_text = "nats://";
  for (const auto& server : url.servers) {
    if (server.rfind("nats://", 0) != 0) std::abort();
    if (again_text.size() > 7) again_text += ',';
    again_text += server.substr(7);
  }
  for (char c : url.subject) {
    // Published as it is: a literal subject, no wildcards, no spaces or controls.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '*' || c == '>') std::abort();
  }
  events::NatsUrl again;
  try {
    again = events::parse_nats_url(again_text + "/" + url.subject);
  } catch (const config::ConfigError&) {
    std::abort();
  }
  if (again.servers != url.servers || again.subject != url.subject) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  events::SinkUrl sink;
  try {
    sink = events::parse_sink_url(input);
  } catch (const config::ConfigError&) {
    return 0;
  }
  if (const auto* nats = std::get_if<events::NatsUrl>(&sink)) {
    check_nats(*nats);
    return 0;
  }
  const auto& url = std::get<events::PlatformUrl>(sink);
  if (url.host.empty() || url.port == 0 || url.host_header.empty()) std::abort();
  if (url.target.empty() || url.target.front() != '/') std::abort();
  if (url.target.find('#') != std::string::npos) std::abort();
  for (char c : url.target + url.host_header) {
    // Written into the request head as they are: no control characters, no spaces.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) std::abort();
  }
  events::PlatformUrl again;
  try {
    // The same scheme: the Host header leaves out the port only when it is the scheme's
    // default (80 for http://, 443 for https://).
    again = events::parse_platform_url((url.tls ? "https://" : "http://") + url.host_header +
                                       url.target);
  } catch (const config::ConfigError&) {
    std::abort();
  }
  if (again.host != url.host || again.port != url.port || again.target != url.target ||
      again.host_header != url.host_header || again.tls != url.tls) {
    std::abort();
  }
  return 0;
}
