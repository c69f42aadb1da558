#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string_view>

#include <boost/beast/core/tcp_stream.hpp>

#include "platform/http/client_connections.hpp"

namespace http {

// One open connection of a loop, as its admission sees it.
struct TrackedConnection {
  boost::beast::tcp_stream* stream;
  bool busy = false;
  std::array<std::uint8_t, 16> peer_address{};  // IPv6 bytes, IPv4 mapped
  ClientConnections::Client client{};
  // Since when the connection waits for a request (accepted, or its last answer written).
  std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();
  // Its slots (the loop's and the client's) are given back: it ended, or was closed to
  // make room for a newer connection and is ending.
  bool released = false;
  std::list<TrackedConnection*>::iterator position{};  // in its loop's list, once admitted
};

// The open connections of one event loop and their slots: the loop's share of the server's
// limit and, through ClientConnections, each client's. Not thread-safe: use it on its loop.
class ConnectionAdmission {
 public:
  ConnectionAdmission(ClientConnections& clients, std::size_t max_connections)
      : clients_(clients), max_connections_(max_connections) {}

  // Takes the connection's slots, making room as take_slots describes, and tracks it until
  // leave(); or, when no room could be made, the refusal (a 503's detail), nothing taken.
  std::optional<std::string_view> admit(TrackedConnection& connection);
  // The connection ends: gives back its slots (unless already given back) and forgets it.
  void leave(TrackedConnection& connection);

  // Closes every connection that waits for a request (a drain); its coroutine ends on its own.
  void close_idle() { close(false); }
  // Closes every connection, busy or not (a drain past its deadline).
  void close_all() { close(true); }

  std::size_t open_connections() const { return open_connections_; }

 private:
  std::optional<std::string_view> take_slots(TrackedConnection& connection);
  void release(TrackedConnection& connection);
  template <typename Eligible>
  bool close_longest_idle(Eligible eligible);
  void close(bool busy_too);

  ClientConnections& clients_;
  std::list<TrackedConnection*> connections_;  // oldest first, released ones included until
                                               // they end
  std::size_t open_connections_ = 0;           // those not released
  std::size_t max_connections_;                // this loop's share of max_connections
};

}  // namespace http
