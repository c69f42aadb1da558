#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace events {

// DATA_PLATFORM_URL for the NATS JetStream sink: nats://h1:4222[,h2:4222...]/<subject>.
struct NatsUrl {
  std::vector<std::string> servers;  // each "nats://host:port", in the order given
  std::string subject;               // where events are published; a stream must bind it
};

// True for URLs this parser handles (scheme nats://, any case).
bool is_nats_url(std::string_view url);

// Parses a nats:// DATA_PLATFORM_URL. A missing or malformed host or port, user info, a
// query, a fragment, or a subject that is empty, has wildcards (* >), spaces or empty
// tokens throws config::ConfigError naming the variable, so a bad URL stops the start.
NatsUrl parse_nats_url(std::string_view url);

}  // namespace events
