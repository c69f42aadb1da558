// The HTTP request path: raw bytes through Beast's request parser (with the server's
// limits), the target through Boost.URL's origin-form parser, the router of the real
// service (every capability's routes), and then the matched handler itself, which reads
// path, query, headers and body. The database is "not ready" (schema_ready = false), so a
// handler that gets past its input checks meets DbUnavailable (503) at its first query.
// Every outcome must be an HTTP answer: a handler that lets any other exception escape
// (a 500 in the server) or a crash is a finding.
//
// The request is assembled as http::dispatch (platform/http/dispatch.cpp) does it.
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
#include "platform/http/canonical_path.hpp"
#include "platform/http/router.hpp"
#include "platform/json/input.hpp"
#include "platform/metrics/http_metrics.hpp"
#include "stats/best_sellers_counts.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

http::Method to_method(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return http::Method::get;
    case bhttp::verb::post:
      return http::Method::post;
    case bhttp::verb::put:
      return http::Method::put;
    case bhttp::verb::patch:
      return http::Method::patch;
    case bhttp::verb::delete_:
      return http::Method::del;
    case bhttp::verb::head:
      return http::Method::head;
    case bhttp::verb::options:
      return http::Method::options;
    default:
      return http::Method::other;
  }
}

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
  int status = 0;
  std::string failure;
};

asio::awaitable<void> call_handler(const http::Handler* handler, http::Request* request,
                                   Outcome* outcome) {
  try {
    http::Response response = co_await (*handler)(*request);
    outcome->status = response.status;
  } catch (const http::ApiError& error) {
    outcome->status = error.status();
  } catch (const db::DbUnavailable&) {
    outcome->status = 503;
  } catch (const std::exception& error) {
    outcome->failure = std::string("unhandled exception (a 500): ") + error.what();
  }
  outcome->done = true;
}

// Drives the handler to completion on the service's loop; returns the response status.
int run_handler(Service& svc, const http::Handler& handler, http::Request& request) {
  Outcome outcome;
  asio::co_spawn(svc.context, call_handler(&handler, &request, &outcome),
                 [&outcome](std::exception_ptr error) {
                   if (error) outcome.failure = "non-std exception escaped the handler";
                 });
  svc.context.restart();
  while (!outcome.done && outcome.failure.empty() && svc.context.run_one() > 0) {
  }
  if (!outcome.failure.empty()) finding(outcome.failure, request.path);
  if (!outcome.done) finding("handler never finished", request.path);
  return outcome.status;
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
  http::Request request;
  request.method = to_method(message.method());
  request.request_id = "fuzz";
  request.body = message.body();
  auto target = boost::urls::parse_origin_form(message.target());
  if (!target) return 0;  // 400
  // As the server does: every policy and the router see the canonical path.
  auto canonical = http::canonical_path(target->encoded_path());
  if (!canonical) return 0;  // 404
  request.path = std::move(*canonical);
  for (auto param : target->params()) request.query.emplace_back(param.key, param.value);
  for (const auto& field : message)
    request.headers.emplace_back(field.name_string(), field.value());

  // The query readers on every request, whatever the route.
  try {
    auto page = json_input::query_page(request);
    if (page.page < 0 || page.size < 1 || page.size > 100 || page.offset() < 0) std::abort();
  } catch (const http::ApiError&) {
  }
  try {
    if (json_input::query_id(request, "userId") <= 0) std::abort();
  } catch (const http::ApiError&) {
  }

  auto match = svc.router.match(request.method, request.path);
  if (match.kind == http::Router::Match::Kind::method_not_allowed && match.allow.empty()) {
    finding("405 without an Allow list", request.path);
  }
  if (match.kind != http::Router::Match::Kind::found) return 0;  // 404 / 405
  if (match.handler == nullptr || match.pattern.empty())
    finding("match without handler", request.path);
  request.params = std::move(match.params);
  if (!request.body.empty() && !json_input::is_json_media_type(request.header("Content-Type"))) {
    return 0;  // 415
  }
  const int status = run_handler(svc, *match.handler, request);
  if (status < 200 || status > 599) finding("status outside 200..599", std::to_string(status));
  return 0;
}
