#include "users/users_routes.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"
#include "users/user_name.hpp"
#include "users/users_store.hpp"

namespace users {

void add_routes(http::Router& router, const UsersDeps& deps) {
  router.add(http::Method::post, "/api/v1/users", http::Access::admin_when_users_authenticate,
             [&pool = deps.db](http::Request& request) -> boost::asio::awaitable<http::Response> {
               auto body = json_input::parse_object_body(request);
               auto name = json_input::required_string(body, "name");
               if (auto problem = name_problem(name))
                 throw http::ApiError::invalid_request(*problem);
               auto user = co_await create_user(pool, name);
               boost::json::object out;
               out["id"] = user.id;
               out["name"] = user.name;
               out["createdAt"] = user.created_at;
               co_return http::Response::json(201, boost::json::serialize(out));
             });
}

}  // namespace users
