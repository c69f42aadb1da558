#include "platform/http/router.hpp"

#include <algorithm>

namespace http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(Method method, std::string_view pattern, Handler handler) {
  add(method, pattern, Access::open, std::move(handler));
}

void Router::add(Method method, std::string_view pattern, Access access, Handler handler) {
  Route route{method, std::string(pattern), {}, 0, std::move(handler), access};
  for (auto segment : split_path(pattern)) {
    route.segments.emplace_back(segment);
    if (!is_parameter(segment)) ++route.literal_count;
  }
  routes_.push_back(std::move(route));
  // More literal segments first: the most specific pattern wins.
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    return a.literal_count > b.literal_count;
  });
}

Router::Match Router::match(Method method, std::string_view path) const {
  const auto segments = split_path(path);
  Match result;
  std::vector<std::pair<std::string_view, std::string>> params;
  const std::vector<std::string>* matched_shape = nullptr;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    params.clear();
    bool same = true;
    for (std::size_t i = 0; i < segments.size() && same; ++i) {
      const auto& expected = route.segments[i];
      if (is_parameter(expected)) {
        params.emplace_back(std::string_view(expected).substr(1, expected.size() - 2),
                            std::string(segments[i]));
      } else {
        same = expected == segments[i];
      }
    }
    if (!same) continue;
    // Only routes of the most specific matching shape count for 405, so that
    // "GET /products/best" does not make "/products/{id}" look method-restricted.
    if (matched_shape && *matched_shape != route.segments) continue;
    matched_shape = &route.segments;
    if (route.method == method) {
      result.kind = Match::Kind::found;
      result.handler = &route.handler;
      result.pattern = route.pattern;
      result.access = route.access;
      result.params = std::move(params);
      result.allow.clear();
      return result;
    }
    result.kind = Match::Kind::method_not_allowed;
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += method_name(route.method);
  }
  return result;
}

}  // namespace http
