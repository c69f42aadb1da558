#pragma once

#include <atomic>
#include <cstddef>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "platform/http/request_ids.hpp"
#include "platform/http/server.hpp"
#include "platform/http/server_loop.hpp"

namespace http {

// What the connections of every loop share; the server owns it.
struct SessionShared {
  const ServerOptions& options;
  RequestIds& request_ids;
  const std::atomic<bool>& shutting_down;      // answer what was read, then close
  std::atomic<std::size_t>& open_connections;  // over all loops
};

// One accepted connection, on its loop's thread, until it closes: admission (or a 503),
// then requests read and answered one after the other, with the header, idle, body and
// write limits of the options, until the client, an error, a limit or the drain ends it.
boost::asio::awaitable<void> serve_connection(ServerLoop& loop, const SessionShared& shared,
                                              boost::asio::ip::tcp::socket socket);

}  // namespace http
