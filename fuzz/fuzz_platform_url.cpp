// DATA_PLATFORM_URL: any input is either refused with ConfigError or taken apart into a
// host, a port and an origin-form target that describe the same URL again: the Host header
// and target re-parse to the same result (what the relay sends is what was configured).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "events/platform_url.hpp"
#include "platform/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  events::PlatformUrl url;
  try {
    url = events::parse_platform_url(input);
  } catch (const config::ConfigError&) {
    return 0;
  }
  if (url.host.empty() || url.port == 0 || url.host_header.empty()) std::abort();
  if (url.target.empty() || url.target.front() != '/') std::abort();
  if (url.target.find('#') != std::string::npos) std::abort();
  for (char c : url.target + url.host_header) {
    // Written into the request head as they are: no control characters, no spaces.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) std::abort();
  }
  events::PlatformUrl again;
  try {
    again = events::parse_platform_url("http://" + url.host_header + url.target);
  } catch (const config::ConfigError&) {
    std::abort();
  }
  if (again.host != url.host || again.port != url.port || again.target != url.target ||
      again.host_header != url.host_header) {
    std::abort();
  }
  return 0;
}
