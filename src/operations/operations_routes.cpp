#include "operations/operations_routes.hpp"

#include "operations/metrics_route.hpp"

namespace operations {

namespace {

const db::Statement kPing{"operations.ping", "SELECT 1"};

}  // namespace

void add_routes(http::Router& router, const app::Services& services) {
  router.add(http::Method::get, "/health",
             [](http::Request&) -> boost::asio::awaitable<http::Response> {
               co_return http::Response::json(200, R"({"status":"UP"})");
             });
  router.add(http::Method::get, "/ready",
             [&pool = services.db, &draining = services.draining](
                 http::Request&) -> boost::asio::awaitable<http::Response> {
               // Shutting down: still serving, but a load balancer should send no more.
               if (draining.load()) {
                 co_return http::Response::json(503, R"({"status":"DRAINING"})");
               }
               // Either step throws DbUnavailable, which the server answers with 503.
               auto connection = co_await pool.acquire();
               co_await connection->execute(kPing, db::Params());
               co_return http::Response::json(200, R"({"status":"UP"})");
             });
  add_metrics_route(router, services);
}

}  // namespace operations
