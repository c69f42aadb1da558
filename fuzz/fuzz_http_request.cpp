// The HTTP request path: raw bytes through Beast's request parser (with the server's
// limits), the target through Boost.URL's origin-form parser, the router of the real
// service (every capability's routes), and then the matched handler itself, which reads
// path, query, headers and body. The database is "not ready" (schema_ready = false), so a
// handler that gets past its input checks meets DbUnavailable (503) at its first query.
// Every outcome must be an HTTP answer: a handler that lets any other exception escape
// (a 500 in the server) or a crash is a finding.
//
// The parsed message goes through the server's own http::dispatch (platform/http/
// dispatch.cpp): target, canonical path, routing, the request policy (the admin token; no
// user authentication, no rate limit), 404/405/415, the handler, and error_answer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "app/routes.hpp"
#include "app/services.hpp"
#include "docs/docs_routes.hpp"
#include "events/outbox_wakeup.hpp"
#include "operations/observability.hpp"
#include "platform/config/config.hpp"
#include "platform/db/errors.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/api_error.hpp"
#include "platform/http/dispatch.hpp"
#include "platform/http/request_policy.hpp"
#include "platform/http/router.hpp"
#include "platform/http/server.hpp"
#include "platform/json/input.hpp"
#include "platform/metrics/http_metrics.hpp"
#include "stats/best_sellers_counts.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

// One service instance for the whole run, as main() wires it for one event loop.
struct Service {
  asio::io_context context{1};
  std::atomic<bool> schema_ready{false};
  std::atomic<bool> draining{false};
  config::Config config;
  metrics::HttpMetrics http_metrics{1};
  operations::Observability observability;
  events::OutboxWakeup outbox_wakeup;
  stats::BestSellersCounts best_sellers_counts;
  std::unique_ptr<app::WriteBatchers> write_batchers;
  std::unique_ptr<db::Pool> pool;
  std::unique_ptr<app::Services> services;
  http::Router router;
  std::unique_ptr<http::RequestPolicy> policy;
  http::ServerOptions server_options;

  Service() {
    spdlog::set_level(spdlog::level::off);  // handlers log warnings; keep the fuzzer quiet
    config.admin_token = "fuzz-admin-token";
    db::PoolOptions options;
    options.connect.url = "postgresql://nobody@/nodb?host=/nonexistent";
    pool = std::make_unique<db::Pool>(context.get_executor(), options, &schema_ready);
    observability.http = &http_metrics;
    observability.pools.push_back(pool.get());
    // No write lane: one loop, no database, and no thread of its own for the fuzzer.
    write_batchers = std::make_unique<app::WriteBatchers>(config, nullptr);
    services = std::make_unique<app::Services>(
        app::Services{*pool, config, schema_ready, draining, observability, outbox_wakeup,
                      best_sellers_counts, docs::load_files(config), *write_batchers});
    app::add_all_routes(router, *services);
    http::RequestPolicy::Options policy_options;
    policy_options.admin_token = config.admin_token;
    policy = std::make_unique<http::RequestPolicy>(std::move(policy_options));
    server_options.policy = policy.get();
  }
};

Service& service() {
  static Service* instance = new Service();  // never destroyed: detached tasks may hold it
  return *instance;
}

[[noreturn]] void finding(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "FINDING: %.*s: %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

struct Outcome {
  bool done = false;
  http::Response response;
  std::string failure;
};

asio::awaitable<void> call_dispatch(Service* svc, bhttp::request<bhttp::string_body>* message,
                                    Outcome* outcome) {
  static constexpr std::array<std::uint8_t, 16> kPeer{};  // ::, as any address
  static const std::string kRequestId = "fuzz";
  std::string_view route = http::kUnmatchedRoute;
  try {
    outcome->response = co_await http::dispatch(svc->router, svc->server_options, kPeer, *message,
                                                kRequestId, route);
  } catch (const std::exception& error) {
    outcome->failure = std::string("exception escaped dispatch: ") + error.what();
  }
  outcome->done = true;
}

// Drives dispatch to completion on the service's loop; returns its answer.
http::Response run_dispatch(Service& svc, bhttp::request<bhttp::string_body>& message) {
  Outcome outcome;
  asio::co_spawn(svc.context, call_dispatch(&svc, &message, &outcome),
                 [&outcome](std::exception_ptr error) {
                   if (error) outcome.failure = "non-std exception escaped dispatch";
                 });
  svc.context.restart();
  while (!outcome.done && outcome.failure.empty() && svc.context.run_one() > 0) {
  }
  const std::string target(message.target());
  if (!outcome.failure.empty()) finding(outcome.failure, target);
  if (!outcome.done) finding("dispatch never finished", target);
  return std::move(outcome.response);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  service();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Service& svc = service();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024);
  parser.header_limit(8 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  for (int round = 0; round < 64 && !parser.is_done(); ++round) {
    const auto used = parser.put(asio::buffer(data + offset, size - offset), ec);
    offset += used;
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (used == 0) {
        parser.put_eof(ec);
        break;
      }
    }
    if (ec) break;
  }
  if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 and closes

  auto& message = parser.get();
  // The query readers on every request, whatever the route.
  if (auto target = boost::urls::parse_origin_form(message.target())) {
    http::Request request;
    for (auto param : target->params()) request.query.emplace_back(param.key, param.value);
    try {
      auto page = json_input::query_page(request);
      if (page.page < 0 || page.size < 1 || page.size > 100 || page.offset() < 0) std::abort();
    } catch (const http::ApiError&) {
    }
    try {
      if (json_input::query_id(request, "userId") <= 0) std::abort();
    } catch (const http::ApiError&) {
    }
  }

  const std::string target(message.target());
  const http::Response response = run_dispatch(svc, message);
  if (response.status < 200 || response.status > 599) {
    finding("status outside 200..599", std::to_string(response.status));
  }
  if (response.status == 500) finding("500 (an exception no handler maps)", target);
  if (response.status == 405) {
    bool allow = false;
    for (const auto& [name, value] : response.headers) allow |= name == "Allow" && !value.empty();
    if (!allow) finding("405 without an Allow list", target);
  }
  return 0;
}
