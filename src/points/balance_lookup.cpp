#include "points/balance_lookup.hpp"

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
            const auto rows = result.rows_for(user_ids, 0);
            std::vector<std::optional<std::int64_t>> balances(user_ids.size());
            for (std::size_t i = 0; i < user_ids.size(); ++i) {
              if (rows[i]) balances[i] = result.int64(*rows[i], 1);
            }
            co_return balances;
          },
          max_queries_in_flight) {}

}  // namespace points
