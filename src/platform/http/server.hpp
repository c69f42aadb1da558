#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "platform/http/request_policy.hpp"
#include "platform/http/router.hpp"

namespace http {

struct ServerOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8080;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds idle_timeout{60};    // keep-alive idle: until a request starts
  std::chrono::seconds header_timeout{10};  // from a request's first byte to the whole of it
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds drain_timeout{10};  // how long shutdown waits for in-flight requests
  // Open connections held at most, over all loops (split evenly). A connection beyond a
  // loop's share closes that loop's longest-idle keep-alive, or, when every connection is
  // busy, gets a 503 and is closed at once, so the busy ones keep being served.
  std::size_t max_connections = 10000;
  // Open connections one client address (IPv6: its /64) may hold; 0: max_connections / 10.
  // Beyond it, the client's longest-idle connection on the same loop is closed, or the new
  // one refused with 503.
  std::size_t max_connections_per_client = 0;
  bool access_log = true;
  // Called on the loop's thread after each response is written (or failed to be):
  // loop index, method, route pattern ("unmatched" when no route applied), status, time
  // from a complete request to the end of the write.
  std::function<void(std::size_t loop, std::string_view method, std::string_view route, int status,
                     std::chrono::steady_clock::duration elapsed)>
      observe;
  // Rate limits, authentication and each route's Access rule; null: every route is open.
  const RequestPolicy* policy = nullptr;
};

// An event loop and the routes whose handlers live on it (they capture that loop's
// database pool, so a request never leaves its thread).
struct LoopRoutes {
  boost::asio::io_context* loop;
  const Router* router;
};

// HTTP/1.1 server on Beast with C++20 coroutines. One io_context per thread; the listening
// socket lives on the first loop and hands connections to the loops in turn.
class Server {
 public:
  Server(ServerOptions options, std::vector<LoopRoutes> loops);
  ~Server();

  // Binds and listens; returns the bound port (useful with port 0).
  std::uint16_t listen();
  // Runs every loop (one thread each, the first on the caller's) until shutdown completes.
  void run();
  // Thread-safe and idempotent, in this order: stop accepting; close idle connections; let
  // in-flight requests finish through each loop's gate (up to drain_timeout; later ones get
  // 503); run before_loops_end; then let the loops run out of work, so run() returns with
  // no coroutine left suspended and everything the handlers use can be destroyed.
  void shutdown();
  // Runs on the first loop during shutdown, once requests have drained and before the
  // loops are left to run out of work: stops what else runs on them (background tasks).
  // Set it before run().
  void set_before_loops_end(std::function<boost::asio::awaitable<void>()> step);

  std::size_t active_connections() const { return active_sessions_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::size_t> active_sessions_{0};
};

}  // namespace http
