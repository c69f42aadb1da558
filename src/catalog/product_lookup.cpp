#include "catalog/product_lookup.hpp"

#include <unordered_map>
#include <vector>

namespace catalog {

namespace {

const db::Statement kFindMany{
    "catalog.find_many",
    "SELECT id, name, description, price, stock FROM products WHERE id = ANY($1::bigint[])"};

}  // namespace

ProductLookup::ProductLookup(db::Pool& pool, std::size_t max_queries_in_flight)
    : lookup_(
          [&pool](const std::vector<std::int64_t>& ids)
              -> boost::asio::awaitable<std::vector<std::optional<Product>>> {
            auto connection = co_await pool.acquire();
            auto result = co_await connection->execute(kFindMany, db::Params(ids));
            std::unordered_map<std::int64_t, int> row_of;
            for (int row = 0; row < result.rows(); ++row) row_of.emplace(result.int64(row, 0), row);
            std::vector<std::optional<Product>> products(ids.size());
            for (std::size_t i = 0; i < ids.size(); ++i) {
              auto found = row_of.find(ids[i]);
              if (found == row_of.end()) continue;
              const int row = found->second;
              products[i] =
                  Product{result.int64(row, 0), result.string(row, 1), result.string(row, 2),
                          result.int64(row, 3), result.int64(row, 4)};
            }
            co_return products;
          },
          max_queries_in_flight) {}

}  // namespace catalog
