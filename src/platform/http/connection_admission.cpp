#include "platform/http/connection_admission.hpp"

namespace http {

std::optional<std::string_view> ConnectionAdmission::admit(TrackedConnection& connection) {
  if (auto refusal = take_slots(connection)) return refusal;
  connection.position = connections_.insert(connections_.end(), &connection);
  return std::nullopt;
}

void ConnectionAdmission::leave(TrackedConnection& connection) {
  release(connection);
  connections_.erase(connection.position);
}

// Admission control, as nginx and Envoy do it. A client at its own limit makes room by
// giving up its longest-idle keep-alive on this loop; a loop at its share of the server's
// limit closes its longest-idle keep-alive, whoever holds it. Only when nothing is idle is
// the newest connection refused: the answer (503) is returned, nothing taken. Busy
// connections are never closed, and descriptors stay within the process limit.
std::optional<std::string_view> ConnectionAdmission::take_slots(TrackedConnection& connection) {
  const auto of_this_client = [&connection](const TrackedConnection& other) {
    return other.client == connection.client;
  };
  if (!clients_.try_open(connection.client)) {
    if (!close_longest_idle(of_this_client) || !clients_.try_open(connection.client)) {
      return "this client has too many open connections; reuse or close one";
    }
  }
  if (open_connections_ >= max_connections_ &&
      !close_longest_idle([](const TrackedConnection&) { return true; })) {
    clients_.close(connection.client);
    return "the server has too many open connections; retry later";
  }
  ++open_connections_;
  return std::nullopt;
}

// Gives back a connection's slots, once.
void ConnectionAdmission::release(TrackedConnection& connection) {
  if (connection.released) return;
  connection.released = true;
  --open_connections_;
  clients_.close(connection.client);
}

// Closes the connection of this loop that `eligible` accepts and that has waited longest
// for a request, releasing its slots at once (its coroutine ends on its own). False when
// none waits.
template <typename Eligible>
bool ConnectionAdmission::close_longest_idle(Eligible eligible) {
  TrackedConnection* longest = nullptr;
  for (TrackedConnection* connection : connections_) {
    if (connection->busy || connection->released || !eligible(*connection)) continue;
    if (!longest || connection->idle_since < longest->idle_since) longest = connection;
  }
  if (!longest) return false;
  release(*longest);
  boost::system::error_code ignored;
  longest->stream->socket().cancel(ignored);
  longest->stream->socket().close(ignored);
  return true;
}

void ConnectionAdmission::close(bool busy_too) {
  for (TrackedConnection* connection : connections_) {
    if (connection->busy && !busy_too) continue;
    boost::system::error_code ignored;
    connection->stream->socket().cancel(ignored);
    connection->stream->socket().close(ignored);
  }
}

}  // namespace http
