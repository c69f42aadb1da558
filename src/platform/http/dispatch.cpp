#include "platform/http/dispatch.hpp"

#include <exception>

#include <fmt/format.h>
#include <boost/url/parse.hpp>

#include "platform/http/canonical_path.hpp"
#include "platform/http/error_answers.hpp"
#include "platform/json/input.hpp"

namespace http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

Method to_method(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::get;
    case bhttp::verb::post:
      return Method::post;
    case bhttp::verb::put:
      return Method::put;
    case bhttp::verb::patch:
      return Method::patch;
    case bhttp::verb::delete_:
      return Method::del;
    case bhttp::verb::head:
      return Method::head;
    case bhttp::verb::options:
      return Method::options;
    default:
      return Method::other;
  }
}

}  // namespace

asio::awaitable<Response> dispatch(const Router& router, const ServerOptions& options,
                                   const std::array<std::uint8_t, 16>& peer_address,
                                   bhttp::request<bhttp::string_body>& message,
                                   const std::string& request_id, std::string_view& route) {
  Request request;
  request.method = to_method(message.method());
  request.request_id = request_id;
  request.peer_address = peer_address;
  request.body = message.body();
  auto target = boost::urls::parse_origin_form(message.target());
  if (!target) co_return problem(400, "INVALID_REQUEST", "the request target is not a valid URL");
  for (auto param : target->params()) request.query.emplace_back(param.key, param.value);
  for (const auto& field : message)
    request.headers.emplace_back(field.name_string(), field.value());
  // Every policy below sees the one spelling of the path the router matches on.
  auto canonical = canonical_path(target->encoded_path());
  if (!canonical) {
    co_return problem(404, "NOT_FOUND", "no route has a '..' segment, an encoded '/' or a NUL");
  }
  request.path = std::move(*canonical);
  auto match = router.match(request.method, request.path);
  if (match.kind == Router::Match::Kind::found) request.route = match.pattern;
  const RequestPolicy* policy = options.policy;
  if (policy) {
    if (auto refused = policy->admit(request)) co_return std::move(*refused);
  }
  if (match.kind == Router::Match::Kind::not_found) {
    co_return problem(404, "NOT_FOUND", fmt::format("no route for {}", request.path));
  }
  if (match.kind == Router::Match::Kind::method_not_allowed) {
    auto response = problem(405, "METHOD_NOT_ALLOWED",
                            fmt::format("{} is not allowed here", message.method_string()));
    response.headers.emplace_back("Allow", match.allow);
    co_return response;
  }
  request.params = std::move(match.params);
  route = match.pattern;
  if (policy) {
    if (auto refused = policy->authorize(request, match.access)) co_return std::move(*refused);
  }
  if (!request.body.empty() && !json_input::is_json_media_type(request.header("Content-Type"))) {
    co_return problem(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json");
  }
  try {
    co_return co_await (*match.handler)(request);
  } catch (const std::exception& error) {
    co_return error_answer(error, request_id);
  }
}

}  // namespace http
