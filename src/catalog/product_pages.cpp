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

// Rows for the ids of several pages at once, in the order asked (an id asked twice comes
// twice), with the version and total they belong to: the answer is cut into pages as it
// is read, without a lookup table.
const db::Statement kRowsByIds{
    "catalog.rows_by_ids",
    "SELECT c.version, c.products, p.id, p.name, p.price, p.stock FROM catalog_totals c "
    "LEFT JOIN LATERAL ("
    "  SELECT asked.at, p.id, p.name, p.price, p.stock"
    "  FROM unnest($1::bigint[]) WITH ORDINALITY AS asked(id, at)"
    "  JOIN products p ON p.id = asked.id) p ON true "
    "ORDER BY p.at"};

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
      page_rows_([&pool](const std::vector<std::vector<std::int64_t>>& pages)
                     -> awaitable<std::vector<std::optional<PageRows>>> {
        std::vector<std::int64_t> all_ids;
        for (const auto& ids : pages) all_ids.insert(all_ids.end(), ids.begin(), ids.end());
        auto connection = co_await pool.acquire();
        auto result = co_await connection->execute(kRowsByIds, db::Params(all_ids));
        std::int64_t version = 0, total = 0;
        if (result.rows() > 0) {
          version = result.int64(0, 0);
          total = result.int64(0, 1);
        }
        // Rows come in the order asked, missing products left out: each asked id takes the
        // next row if that row is its product.
        int row = result.rows() > 0 && result.is_null(0, 2) ? result.rows() : 0;
        std::vector<std::optional<PageRows>> answers;
        answers.reserve(pages.size());
        for (const auto& ids : pages) {
          PageRows rows{version, total, {}};
          rows.products.reserve(ids.size());
          for (auto id : ids) {
            if (row < result.rows() && result.int64(row, 2) == id) {
              rows.products.push_back(Product{id, result.string(row, 3), "", result.int64(row, 4),
                                              result.int64(row, 5)});
              ++row;
            }
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
    std::vector<std::int64_t> ids;
    if (offset < size) {
      const auto end = std::min(size, offset + limit);
      ids.assign(index->ids.begin() + offset, index->ids.begin() + end);
    }
    auto rows = co_await page_rows_.get(ids);
    if (rows && rows->version == index->version && rows->products.size() == ids.size()) {
      co_return ProductPage{rows->total, std::move(rows->products)};
    }
    // Products were added (or removed) since the ids were read: read them again.
    if (index_ == index) index_.reset();
  }
  // Products keep changing under us: the plain query is always right.
  co_return co_await list_products(pool_, limit, offset);
}

}  // namespace catalog
