#pragma once

#include <cstddef>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "platform/http/client_connections.hpp"
#include "platform/http/connection_admission.hpp"
#include "platform/http/router.hpp"
#include "platform/lifecycle/gate.hpp"

namespace http {

// One event loop's part of the server: its routes, its open connections, its requests in
// flight, and the guard that keeps it running until the drain is done.
struct ServerLoop {
  ServerLoop(boost::asio::io_context& loop_context, const Router& loop_router,
             std::size_t loop_index, ClientConnections& clients, std::size_t max_connections)
      : context(&loop_context),
        router(&loop_router),
        index(loop_index),
        connections(clients, max_connections),
        requests(loop_context.get_executor()),
        keep_running(loop_context.get_executor()) {}

  boost::asio::io_context* context;
  const Router* router;
  std::size_t index;
  ConnectionAdmission connections;
  lifecycle::Gate requests;  // requests in flight on this loop
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running;
};

}  // namespace http
