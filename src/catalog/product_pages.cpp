#include "catalog/product_pages.hpp"

#include <algorithm>
#include <optional>

namespace catalog {

namespace {

using boost::asio::awaitable;

// The version and the ids in one statement: one snapshot.
const db::Statement kIdIndex{"catalog.id_index",
                             "SELECT c.version, p.id FROM catalog_totals c "
                             "LEFT JOIN LATERAL (SELECT id FROM products ORDER BY id) p ON true"};

// Rows of several pages at once, each page an id range (one index range scan each, about
// 1.4 times cheaper in PostgreSQL than a probe per id, measured with pgbench on 8 pages of
// 20), with the version and total they belong to. Rows come page by page, in id order:
// the answer is cut into pages as it is read. ORDER BY id with a LIMIT (a range holds at
// most last - first + 1 ids) keeps the plan a plain index scan: without them, once the
// often-updated products table is analyzed with dead space, the planner picks a bitmap
// heap scan per range, which costs more per call.
const db::Statement kRowsByRanges{
    "catalog.rows_by_ranges",
    "SELECT c.version, c.products, p.page, p.id, p.name, p.price, p.stock FROM catalog_totals c "
    "LEFT JOIN LATERAL ("
    "  SELECT r.page, q.id, q.name, q.price, q.stock"
    "  FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS r(first_id, last_id, page)"
    "  CROSS JOIN LATERAL (SELECT id, name, price, stock FROM products"
    "                       WHERE id >= r.first_id AND id <= r.last_id"
    "                       ORDER BY id LIMIT r.last_id - r.first_id + 1) q) p ON true "
    "ORDER BY p.page, p.id"};

// How many times a page is retried when products were added meanwhile.
constexpr int kAttempts = 3;

}  // namespace

ProductPages::ProductPages(db::Pool& pool)
    : pool_(pool),
      index_loads_([&pool](const std::vector<int>& keys)
                       -> awaitable<std::vector<std::optional<std::shared_ptr<const IdIndex>>>> {
        auto connection = co_await pool.acquire();
        auto result = co_await connection->execute(kIdIndex, db::Params());
        auto index = std::make_shared<IdIndex>();
        index->ids.reserve(static_cast<std::size_t>(result.rows()));
        for (int row = 0; row < result.rows(); ++row) {
          index->version = result.int64(row, 0);
          if (!result.is_null(row, 1)) index->ids.push_back(result.int64(row, 1));
        }
        co_return std::vector<std::optional<std::shared_ptr<const IdIndex>>>(
            keys.size(), std::shared_ptr<const IdIndex>(std::move(index)));
      }),
      page_rows_([&pool](const std::vector<IdRange>& pages)
                     -> awaitable<std::vector<std::optional<PageRows>>> {
        std::vector<std::int64_t> firsts, lasts;
        firsts.reserve(pages.size());
        lasts.reserve(pages.size());
        for (const auto& range : pages) {
          firsts.push_back(range.first);
          lasts.push_back(range.last);
        }
        auto connection = co_await pool.acquire();
        auto result = co_await connection->execute(kRowsByRanges, db::Params(firsts, lasts));
        std::int64_t version = 0, total = 0;
        if (result.rows() > 0) {
          version = result.int64(0, 0);
          total = result.int64(0, 1);
        }
        // Rows come page by page (page = position in `pages`, from 1); no rows at all leave
        // one row of NULLs.
        int row = result.rows() > 0 && result.is_null(0, 2) ? result.rows() : 0;
        std::vector<std::optional<PageRows>> answers;
        answers.reserve(pages.size());
        for (std::size_t page = 1; page <= pages.size(); ++page) {
          PageRows rows{version, total, {}};
          for (; row < result.rows() && result.int64(row, 2) == static_cast<std::int64_t>(page);
               ++row) {
            rows.products.push_back(Product{result.int64(row, 3), result.string(row, 4), "",
                                            result.int64(row, 5), result.int64(row, 6)});
          }
          answers.emplace_back(std::move(rows));
        }
        co_return answers;
      }) {}

ProductPages::~ProductPages() = default;

awaitable<ProductPage> ProductPages::page(std::int64_t limit, std::int64_t offset) {
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (!index_) {
      auto loaded = co_await index_loads_.get(0);
      if (loaded) index_ = *loaded;
    }
    const auto index = index_;  // held: a concurrent refresh may replace index_
    const auto size = static_cast<std::int64_t>(index->ids.size());
    IdRange range;  // empty unless the page has ids
    std::size_t expected = 0;
    if (offset < size) {
      const auto end = std::min(size, offset + limit);
      range = {index->ids[static_cast<std::size_t>(offset)],
               index->ids[static_cast<std::size_t>(end - 1)]};
      expected = static_cast<std::size_t>(end - offset);
    }
    auto rows = co_await page_rows_.get(range);
    if (rows && rows->version == index->version && rows->products.size() == expected) {
      co_return ProductPage{rows->total, std::move(rows->products)};
    }
    // Products were added (or removed) since the ids were read: read them again.
    if (index_ == index) index_.reset();
  }
  // Products keep changing under us: the plain query is always right.
  co_return co_await list_products(pool_, limit, offset);
}

}  // namespace catalog
