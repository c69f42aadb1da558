#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace users {

struct User {
  std::int64_t id;
  std::string name;
  std::string created_at;
};

// Whether the user exists. Endpoints that name a user answer USER_NOT_FOUND with it when
// their main lookup finds nothing (so the check costs nothing on the success path).
boost::asio::awaitable<bool> user_exists(db::Connection& connection, std::int64_t user_id);

// Creates the user together with an empty point wallet, in one statement.
boost::asio::awaitable<User> create_user(db::Pool& pool, const std::string& name);

}  // namespace users
