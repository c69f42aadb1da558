#pragma once

#include <optional>
#include <string>

#include "platform/http/access.hpp"
#include "platform/http/caller_identity.hpp"
#include "platform/http/message.hpp"

namespace http {

// A route's Access rule applied to the caller: 401 UNAUTHORIZED (with a WWW-Authenticate
// challenge), 403 FORBIDDEN, or nothing when the handler may run. On Access::user routes this
// includes comparing the caller's user with every userId the handler could read.
class AccessCheck {
 public:
  // `metrics_token` empty: Access::metrics routes are open.
  explicit AccessCheck(std::string metrics_token);

  // 403 FORBIDDEN is another user's token, or a valid token without the admin role on an
  // admin route (with error="insufficient_scope").
  std::optional<Response> authorize(Request& request, Access access,
                                    const CallerIdentity& identity) const;

 private:
  std::optional<Response> authorize_user(Request& request, const CallerIdentity& identity) const;
  std::optional<Response> authorize_admin(Request& request, const CallerIdentity& identity) const;
  std::optional<Response> authorize_metrics(const Request& request) const;

  std::string metrics_token_;
};

}  // namespace http
