#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/http/access.hpp"
#include "platform/http/message.hpp"

namespace http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// Maps (method, path pattern) to handlers. Patterns are literal segments and `{name}`
// parameters, e.g. "/api/v1/orders/{id}/cancel". Literal segments win over parameters, so
// "/products/best" is matched before "/products/{id}".
class Router {
 public:
  // An open route (Access::open).
  void add(Method method, std::string_view pattern, Handler handler);
  // A route whose callers the request policy checks first (see Access).
  void add(Method method, std::string_view pattern, Access access, Handler handler);

  struct Match {
    enum class Kind { found, method_not_allowed, not_found } kind = Kind::not_found;
    const Handler* handler = nullptr;
    std::vector<std::pair<std::string_view, std::string>> params;
    std::string allow;             // for method_not_allowed: the methods that path accepts
    std::string_view pattern;      // for found: the route's pattern (a metrics label)
    Access access = Access::open;  // for found
  };

  Match match(Method method, std::string_view path) const;

 private:
  struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    int literal_count;
    Handler handler;
    Access access;
  };
  std::vector<Route> routes_;
};

}  // namespace http
