#pragma once

namespace http {

// Who may call a route. The request policy enforces it before the handler runs, so a
// handler never checks a token itself.
enum class Access {
  open,  // anyone (products, operations, docs)
  // Acts for the request's `userId` (body or query). With user authentication on: a valid
  // token whose user is that userId (401 without one, 403 for another user's).
  user,
  admin,  // the ADMIN_TOKEN, or (user authentication on) a token with role "admin"
  // Open while user authentication is off, admin-only while it is on (creating users).
  admin_when_users_authenticate,
  // Open, unless an operator set a metrics token: then that bearer token only (/metrics).
  metrics,
};

}  // namespace http
