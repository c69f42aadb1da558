#include "platform/http/client_connections.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace http {

namespace {

bool is_ipv4_mapped(const std::array<std::uint8_t, 16>& address) {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(address.data(), prefix, sizeof prefix) == 0;
}

}  // namespace

ClientConnections::Client ClientConnections::client_of(
    const std::array<std::uint8_t, 16>& peer_address) {
  Client client = peer_address;
  if (!is_ipv4_mapped(peer_address)) std::fill(client.begin() + 8, client.end(), 0);
  return client;
}

ClientConnections::ClientConnections(std::size_t per_client_limit)
    : limit_(std::max<std::size_t>(1, per_client_limit)) {}

std::size_t ClientConnections::Hash::operator()(const Client& client) const {
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(client.data()), client.size()));
}

bool ClientConnections::try_open(const Client& client) {
  std::lock_guard lock(mutex_);
  // limit_ >= 1, so a client just added here is always under it: no zero entry stays.
  auto& open = open_.try_emplace(client, 0).first->second;
  if (open >= limit_) return false;
  ++open;
  return true;
}

void ClientConnections::close(const Client& client) {
  std::lock_guard lock(mutex_);
  auto found = open_.find(client);
  if (found == open_.end()) return;
  if (--found->second == 0) open_.erase(found);
}

std::size_t ClientConnections::open_connections(const Client& client) const {
  std::lock_guard lock(mutex_);
  auto found = open_.find(client);
  return found == open_.end() ? 0 : found->second;
}

std::size_t ClientConnections::tracked_clients() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

}  // namespace http
