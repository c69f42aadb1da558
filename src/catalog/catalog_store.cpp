#include "catalog/catalog_store.hpp"

#include <fmt/format.h>

#include "platform/db/transaction.hpp"

namespace catalog {

namespace {

// The count comes with the page (a LATERAL join) so a page past the end still knows it.
// The total comes from the trigger-kept counter (migration 0003), not a count(*) per page.
const db::Statement kList{
    "catalog.list",
    "SELECT c.products, p.id, p.name, p.price, p.stock "
    "FROM catalog_totals c LEFT JOIN LATERAL ("
    "  SELECT id, name, price, stock FROM products ORDER BY id LIMIT $1::bigint OFFSET $2::bigint"
    ") p ON true"};

const db::Statement kFind{
    "catalog.find",
    "SELECT id, name, description, price, stock FROM products WHERE id = $1::bigint"};

const db::Statement kCreate{"catalog.create",
                            "INSERT INTO products (name, description, price, stock) "
                            "VALUES ($1::text, $2::text, $3::bigint, $4::bigint) "
                            "RETURNING id, name, description, price, stock"};

const std::string kRestockSql = fmt::format(
    "UPDATE products SET stock = stock + $2::bigint, updated_at = now() "
    "WHERE id = $1::bigint AND stock + $2::bigint BETWEEN 0 AND {} "
    "RETURNING id, name, description, price, stock",
    kMaxStock);
const db::Statement kRestock{"catalog.restock", kRestockSql.c_str()};

Product product_from(const db::Result& result, int row) {
  return Product{result.int64(row, 0), result.string(row, 1), result.string(row, 2),
                 result.int64(row, 3), result.int64(row, 4)};
}

}  // namespace

boost::asio::awaitable<ProductPage> list_products(db::Pool& pool, std::int64_t limit,
                                                  std::int64_t offset) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kList, db::Params(limit, offset));
  ProductPage page;
  page.total = result.int64(0, 0);
  for (int row = 0; row < result.rows(); ++row) {
    if (result.is_null(row, 1)) break;
    page.products.push_back(Product{result.int64(row, 1), result.string(row, 2), "",
                                    result.int64(row, 3), result.int64(row, 4)});
  }
  co_return page;
}

// Writes run in a transaction with its outcome token (db::in_transaction), so that an answer
// lost after COMMIT was sent is settled before the service answers.
boost::asio::awaitable<Product> create_product(db::Pool& pool, const Product& product) {
  co_return co_await db::in_transaction(
      pool, [&](db::Connection& tx) -> boost::asio::awaitable<Product> {
        auto result = co_await tx.execute(
            kCreate, db::Params(product.name, product.description, product.price, product.stock));
        co_return product_from(result, 0);
      });
}

boost::asio::awaitable<RestockOutcome> restock(db::Pool& pool, std::int64_t id,
                                               std::int64_t delta) {
  co_return co_await db::in_transaction(pool,
                                        [&](db::Connection& tx) { return restock(tx, id, delta); });
}

boost::asio::awaitable<RestockOutcome> restock(db::Connection& connection, std::int64_t id,
                                               std::int64_t delta) {
  auto updated = co_await connection.execute(kRestock, db::Params(id, delta));
  if (!updated.empty())
    co_return RestockOutcome{RestockOutcome::Kind::done, product_from(updated, 0)};
  auto current = co_await connection.execute(kFind, db::Params(id));
  if (current.empty()) co_return RestockOutcome{RestockOutcome::Kind::not_found, {}};
  auto product = product_from(current, 0);
  auto kind = product.stock + delta < 0 ? RestockOutcome::Kind::below_zero
                                        : RestockOutcome::Kind::above_max;
  co_return RestockOutcome{kind, product};
}

}  // namespace catalog
