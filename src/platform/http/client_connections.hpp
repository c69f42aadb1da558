#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace http {

// Open connections per client, over every event loop of a server, so that one client
// cannot take every connection slot (HTTP_MAX_CONNECTIONS_PER_CLIENT). A client is an
// address; an IPv6 client is its /64, the block one subscriber usually gets, so rotating
// addresses inside it buys no more slots. Thread-safe: a connection opens and closes on its
// loop's thread, and a client's connections are spread over the loops.
class ClientConnections {
 public:
  // The peer address as IPv6 bytes (IPv4 mapped into ::ffff:0:0/96), masked to its client.
  using Client = std::array<std::uint8_t, 16>;
  static Client client_of(const std::array<std::uint8_t, 16>& peer_address);

  explicit ClientConnections(std::size_t per_client_limit);

  std::size_t limit() const { return limit_; }
  // Counts one more connection of `client`; false (and nothing counted) at its limit.
  bool try_open(const Client& client);
  // One connection of `client` ended (each successful try_open is closed once).
  void close(const Client& client);
  std::size_t open_connections(const Client& client) const;
  std::size_t tracked_clients() const;

 private:
  struct Hash {
    std::size_t operator()(const Client& client) const;
  };

  std::size_t limit_;
  mutable std::mutex mutex_;
  std::unordered_map<Client, std::size_t, Hash> open_;  // only clients with a connection
};

}  // namespace http
