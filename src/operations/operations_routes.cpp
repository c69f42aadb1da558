#include "operations/operations_routes.hpp"

#include "operations/metrics_route.hpp"

namespace operations {

namespace {

// Ready means a leader answers: a connection that can write. Behind a load balancer's write
// port (scripts/cluster --ha) a node that has just lost the leadership still accepts
// connections for a moment, read-only; that is not ready.
const db::Statement kLeaderAnswers{"operations.leader_answers", "SELECT NOT pg_is_in_recovery()"};

}  // namespace

void add_routes(http::Router& router, const OperationsDeps& deps) {
  router.add(http::Method::get, "/health",
             [](http::Request&) -> boost::asio::awaitable<http::Response> {
               co_return http::Response::json(200, R"({"status":"UP"})");
             });
  router.add(http::Method::get, "/ready",
             [&pool = deps.db,
              &draining = deps.draining](http::Request&) -> boost::asio::awaitable<http::Response> {
               // Shutting down: still serving, but a load balancer should send no more.
               if (draining.load()) {
                 co_return http::Response::json(503, R"({"status":"DRAINING"})");
               }
               // Either step throws DbUnavailable, which the server answers with 503.
               auto connection = co_await pool.acquire();
               const auto leader = co_await connection->execute(kLeaderAnswers, db::Params());
               if (leader.rows() != 1 || !leader.boolean(0, 0)) {
                 co_return http::Response::json(503, R"({"status":"NO_LEADER"})");
               }
               co_return http::Response::json(200, R"({"status":"UP"})");
             });
  add_metrics_route(router, deps.db, deps.observability);
}

}  // namespace operations
