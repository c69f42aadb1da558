#include "points/balance_lookup.hpp"

#include <unordered_map>
#include <vector>

namespace points {

namespace {

const db::Statement kBalances{
    "points.balances",
    "SELECT user_id, balance FROM point_wallets WHERE user_id = ANY($1::bigint[])"};

}  // namespace

BalanceLookup::BalanceLookup(db::Pool& pool, std::size_t max_queries_in_flight)
    : lookup_(
          [&pool](const std::vector<std::int64_t>& user_ids)
              -> boost::asio::awaitable<std::vector<std::optional<std::int64_t>>> {
            auto connection = co_await pool.acquire();
            auto result = co_await connection->execute(kBalances, db::Params(user_ids));
            std::unordered_map<std::int64_t, std::int64_t> balance_of;
            for (int row = 0; row < result.rows(); ++row) {
              balance_of.emplace(result.int64(row, 0), result.int64(row, 1));
            }
            std::vector<std::optional<std::int64_t>> balances(user_ids.size());
            for (std::size_t i = 0; i < user_ids.size(); ++i) {
              auto found = balance_of.find(user_ids[i]);
              if (found != balance_of.end()) balances[i] = found->second;
            }
            co_return balances;
          },
          max_queries_in_flight) {}

}  // namespace points
