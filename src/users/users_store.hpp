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

// Creates the user together with an empty point wallet, in one statement.
boost::asio::awaitable<User> create_user(db::Pool& pool, const std::string& name);

}  // namespace users
