// ProductPages against a real PostgreSQL: every page equals the plain OFFSET query's, also
// right after products are added or deleted behind its back, and concurrent pages share
// statements.

#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "catalog/catalog_store.hpp"
#include "catalog/product_json.hpp"
#include "catalog/product_pages.hpp"
#include "test_support.hpp"

namespace {

class ProductPagesTest : public it::DbTest {
 protected:
  void SetUp() override {
    it::DbTest::SetUp();
    pool = std::make_unique<db::Pool>(ioc.get_executor(), it::pool_options(8));
  }
  void TearDown() override { pool.reset(); }

  void add_products(int count) {
    sql.exec(
        "INSERT INTO products (name, description, price, stock) SELECT 'page-' || g, '', "
        "g, g FROM generate_series(1, " +
        std::to_string(count) + ") g");
  }

  // Both pages as the list answers them: the same products, names, prices and stock.
  void expect_same(const catalog::ListedPage& got, const catalog::ProductPage& want) {
    EXPECT_EQ(got.total, want.total);
    ASSERT_EQ(got.stocks.size(), want.products.size());
    for (std::size_t i = 0; i < got.stocks.size(); ++i) {
      std::string listed;
      catalog::append_listed_product(listed, got.listing->head(got.first + i), got.stocks[i]);
      std::string expected;
      catalog::append_product_json(expected, want.products[i], false);
      EXPECT_EQ(listed, expected);
    }
  }

  boost::asio::io_context ioc;
  std::unique_ptr<db::Pool> pool;
  it::SyncConnection sql;
};

TEST_F(ProductPagesTest, PagesMatchThePlainQueryBeforeAndAfterInserts) {
  add_products(45);
  catalog::ProductPages pages(*pool);
  const std::int64_t total = sql.scalar_int("SELECT count(*) FROM products");
  for (std::int64_t offset : {std::int64_t{0}, std::int64_t{7}, total - 3, total, total + 50}) {
    expect_same(it::run(ioc, pages.page(10, offset)),
                it::run(ioc, catalog::list_products(*pool, 10, offset)));
  }
  add_products(3);  // the loop's listing is now stale
  expect_same(it::run(ioc, pages.page(10, total - 1)),
              it::run(ioc, catalog::list_products(*pool, 10, total - 1)));
  sql.exec("UPDATE products SET stock = stock + 1000 WHERE id = (SELECT max(id) FROM products)");
  expect_same(it::run(ioc, pages.page(5, total)),
              it::run(ioc, catalog::list_products(*pool, 5, total)));
}

TEST_F(ProductPagesTest, PagesOverGapsAndDeletionsMatchThePlainQuery) {
  // A page is read as the range from its first id to its last: ids deleted before the index
  // was read leave gaps inside ranges, and ids deleted after it must not shorten a page.
  add_products(40);
  const auto last = sql.scalar_int("SELECT max(id) FROM products");
  const auto gap = std::to_string(last - 30);
  sql.exec("DELETE FROM products WHERE id BETWEEN " + gap + " AND " + gap + " + 4");
  catalog::ProductPages pages(*pool);
  const std::int64_t total = sql.scalar_int("SELECT count(*) FROM products");
  for (std::int64_t offset = total - 40; offset < total; offset += 6) {
    expect_same(it::run(ioc, pages.page(8, offset)),
                it::run(ioc, catalog::list_products(*pool, 8, offset)));
  }
  sql.exec("DELETE FROM products WHERE id = " + std::to_string(last - 10));
  for (std::int64_t offset = total - 20; offset < total; offset += 3) {
    expect_same(it::run(ioc, pages.page(8, offset)),
                it::run(ioc, catalog::list_products(*pool, 8, offset)));
  }
}

TEST_F(ProductPagesTest, RenamesAndRepricesShowAtOnce) {
  // The listing keeps names and prices; migration 0013 makes any change to them move the
  // catalogue version, so the next page reads them again. Stock changes never do.
  add_products(12);
  catalog::ProductPages pages(*pool);
  const std::int64_t total = sql.scalar_int("SELECT count(*) FROM products");
  const auto version = [&] { return sql.scalar_int("SELECT version FROM catalog_totals"); };
  expect_same(it::run(ioc, pages.page(6, total - 6)),
              it::run(ioc, catalog::list_products(*pool, 6, total - 6)));
  const auto before = version();
  sql.exec("UPDATE products SET stock = stock + 5 WHERE id = (SELECT max(id) FROM products)");
  EXPECT_EQ(version(), before);
  sql.exec("UPDATE products SET name = 'renamed \"x\"' WHERE id = (SELECT max(id) FROM products)");
  expect_same(it::run(ioc, pages.page(6, total - 6)),
              it::run(ioc, catalog::list_products(*pool, 6, total - 6)));
  sql.exec("UPDATE products SET price = price * 3 WHERE id > (SELECT max(id) - 4 FROM products)");
  expect_same(it::run(ioc, pages.page(6, total - 6)),
              it::run(ioc, catalog::list_products(*pool, 6, total - 6)));
  EXPECT_EQ(version(), before + 2);
}

TEST_F(ProductPagesTest, ConcurrentPagesGetTheirOwnRows) {
  add_products(30);
  catalog::ProductPages pages(*pool);
  std::vector<catalog::ListedPage> got(60);
  for (int i = 0; i < 60; ++i) {
    boost::asio::co_spawn(
        ioc, [&, i]() -> boost::asio::awaitable<void> { got[i] = co_await pages.page(3, i % 20); },
        boost::asio::detached);
  }
  ioc.run();
  for (int i = 0; i < 60; ++i) {
    expect_same(got[i], it::run(ioc, catalog::list_products(*pool, 3, i % 20)));
  }
}

}  // namespace
