#include "platform/http/server.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/http/client_connections.hpp"
#include "platform/http/http_session.hpp"
#include "platform/http/request_ids.hpp"
#include "platform/http/server_loop.hpp"

namespace http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl {
  Impl(Server& server, ServerOptions options, std::vector<LoopRoutes> routes)
      : options(std::move(options)),
        clients(this->options.max_connections_per_client > 0
                    ? this->options.max_connections_per_client
                    : this->options.max_connections / 10),
        acceptor(*routes.front().loop),
        request_ids(std::random_device()()),
        shared{this->options, request_ids, shutting_down, server.active_sessions_} {
    const std::size_t max_per_loop = std::max<std::size_t>(
        1, (this->options.max_connections + routes.size() - 1) / routes.size());
    for (const auto& route : routes) {
      loops.push_back(std::make_unique<ServerLoop>(*route.loop, *route.router, loops.size(),
                                                   clients, max_per_loop));
    }
  }

  asio::awaitable<void> accept_connections() {
    std::size_t next = 0;
    for (;;) {
      ServerLoop& target = *loops[next++ % loops.size()];
      auto [ec, socket] =
          co_await acceptor.async_accept(asio::any_io_executor(target.context->get_executor()),
                                         asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
        spdlog::warn("msg=\"accept failed\" error=\"{}\"", ec.message());
        // Out of descriptors or similar: pause instead of spinning.
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(*target.context, serve_connection(target, shared, std::move(socket)),
                     asio::detached);
    }
  }

  asio::awaitable<void> drain_then_stop() {
    asio::steady_timer tick(*loops.front()->context);
    auto pause = [&tick]() -> asio::awaitable<void> {
      tick.expires_after(std::chrono::milliseconds(20));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    };
    const auto deadline = std::chrono::steady_clock::now() + options.drain_timeout;
    // Each loop closes its gate on its own thread: requests in flight finish and answer
    // (their connections then close), requests read from now on get 503.
    auto gates_open = std::make_shared<std::atomic<std::size_t>>(loops.size());
    for (auto& loop : loops) {
      asio::co_spawn(
          *loop->context,
          [gate = &loop->requests, deadline, gates_open]() -> asio::awaitable<void> {
            co_await gate->close(deadline - std::chrono::steady_clock::now());
            gates_open->fetch_sub(1);
          },
          asio::detached);
    }
    while ((shared.open_connections.load() > 0 || gates_open->load() > 0) &&
           std::chrono::steady_clock::now() < deadline) {
      for (auto& loop : loops) {
        asio::post(*loop->context, [raw = loop.get()] { raw->connections.close_idle(); });
      }
      co_await pause();
    }
    if (shared.open_connections.load() > 0) {
      spdlog::warn(
          "msg=\"shutdown deadline passed; closing the remaining connections\" "
          "open_connections={}",
          shared.open_connections.load());
      for (auto& loop : loops) {
        asio::post(*loop->context, [raw = loop.get()] { raw->connections.close_all(); });
      }
    }
    while (gates_open->load() > 0) co_await pause();
    if (before_loops_end) {
      try {
        co_await before_loops_end();
      } catch (const std::exception& error) {
        spdlog::error("msg=\"stopping background work failed\" error=\"{}\"", error.what());
      }
    }
    // Nothing new starts now; each loop returns from run() once its last handler is done.
    for (auto& loop : loops) loop->keep_running.reset();
  }

  ServerOptions options;
  std::function<asio::awaitable<void>()> before_loops_end;
  ClientConnections clients;
  tcp::acceptor acceptor;
  std::vector<std::unique_ptr<ServerLoop>> loops;
  std::atomic<bool> shutting_down{false};
  RequestIds request_ids;
  SessionShared shared;
};

Server::Server(ServerOptions options, std::vector<LoopRoutes> loops)
    : impl_(std::make_unique<Impl>(*this, std::move(options), std::move(loops))) {}

Server::~Server() = default;

std::uint16_t Server::listen() {
  auto& acceptor = impl_->acceptor;
  tcp::endpoint endpoint(asio::ip::make_address(impl_->options.address), impl_->options.port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(acceptor.get_executor(), impl_->accept_connections(), asio::detached);
  return acceptor.local_endpoint().port();
}

void Server::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->loops.size(); ++i) {
    threads.emplace_back([context = impl_->loops[i]->context] { context->run(); });
  }
  impl_->loops.front()->context->run();
  for (auto& thread : threads) thread.join();
}

void Server::set_before_loops_end(std::function<asio::awaitable<void>()> step) {
  impl_->before_loops_end = std::move(step);
}

void Server::shutdown() {
  if (impl_->shutting_down.exchange(true)) return;
  auto& first = *impl_->loops.front()->context;
  asio::post(first, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    asio::co_spawn(*impl->loops.front()->context, impl->drain_then_stop(), asio::detached);
  });
}

}  // namespace http
