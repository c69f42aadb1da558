#include "users/users_store.hpp"

#include "platform/db/transaction.hpp"

namespace users {

namespace {

const db::Statement kCreateUser{
    "users.create",
    "WITH u AS (INSERT INTO users (name) VALUES ($1::text) RETURNING id, name, created_at), "
    "     w AS (INSERT INTO point_wallets (user_id) SELECT id FROM u) "
    "SELECT id, name, api_timestamp(created_at) FROM u"};

const db::Statement kUserExists{"users.exists", "SELECT 1 FROM users WHERE id = $1::bigint"};

}  // namespace

boost::asio::awaitable<bool> user_exists(db::Connection& connection, std::int64_t user_id) {
  auto result = co_await connection.execute(kUserExists, db::Params(user_id));
  co_return !result.empty();
}

boost::asio::awaitable<User> create_user(db::Pool& pool, const std::string& name) {
  // In a transaction with its outcome token: a lost answer is settled before the answer.
  co_return co_await db::in_transaction(
      pool, [&](db::Connection& tx) -> boost::asio::awaitable<User> {
        auto result = co_await tx.execute(kCreateUser, db::Params(name));
        co_return User{result.int64(0, 0), result.string(0, 1), result.string(0, 2)};
      });
}

}  // namespace users
