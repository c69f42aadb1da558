#include "catalog/product_lookup.hpp"

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
            const auto rows = result.rows_for(ids, 0);
            std::vector<std::optional<Product>> products(ids.size());
            for (std::size_t i = 0; i < ids.size(); ++i) {
              if (!rows[i]) continue;
              const int row = *rows[i];
              products[i] =
                  Product{result.int64(row, 0), result.string(row, 1), result.string(row, 2),
                          result.int64(row, 3), result.int64(row, 4)};
            }
            co_return products;
          },
          max_queries_in_flight) {}

}  // namespace catalog
