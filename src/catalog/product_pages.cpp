#include "catalog/product_pages.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "catalog/product_json.hpp"

namespace catalog {

namespace {

using boost::asio::awaitable;

// The version and the listing in one statement: one snapshot.
const db::Statement kListing{
    "catalog.listing",
    "SELECT c.version, p.id, p.name, p.price FROM catalog_totals c "
    "LEFT JOIN LATERAL (SELECT id, name, price FROM products ORDER BY id) p ON true"};

// The stock of several pages at once, each page an id range (one index range scan each,
// about 1.4 times cheaper in PostgreSQL than a probe per id), one row per page with its
// stock in id order, with the version and total they belong to. ORDER BY id with a LIMIT
// (a range holds at most last - first + 1 ids) keeps the plan a plain index scan: without
// them, once the often-updated products table is analyzed with dead space, the planner
// picks a bitmap heap scan per range, which costs more per call. The LIMIT also keeps the
// subquery from being pulled up, so array_agg takes the rows in the index's order (the
// documented way to feed an aggregate sorted input; an ORDER BY inside array_agg would
// sort again). One array per page, and only stock, is about 1.8 times cheaper than a row
// per product with every column (docs/scaling.md, "Product pages: one array per page").
const db::Statement kStockByRanges{
    "catalog.stock_by_ranges",
    "SELECT c.version, c.products, p.page, p.stocks FROM catalog_totals c "
    "LEFT JOIN LATERAL ("
    "  SELECT r.page, (SELECT array_agg(q.stock) FROM ("
    "                   SELECT stock FROM products WHERE id >= r.first_id AND id <= r.last_id"
    "                   ORDER BY id LIMIT r.last_id - r.first_id + 1) q) AS stocks"
    "  FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS r(first_id, last_id, page)"
    ") p ON true"};

// How many times a page is retried when the catalogue changed meanwhile.
constexpr int kAttempts = 3;

// A page read with the plain query (the catalogue keeps changing under the listing).
ListedPage page_of(const ProductPage& found) {
  auto listing = std::make_shared<Listing>();
  ListedPage page{found.total, nullptr, 0, {}};
  page.stocks.reserve(found.products.size());
  for (const auto& product : found.products) {
    listing->add(product.id, product.name, product.price);
    page.stocks.push_back(product.stock);
  }
  page.listing = std::move(listing);
  return page;
}

awaitable<std::shared_ptr<const Listing>> load_listing(db::Pool& pool) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kListing, db::Params());
  auto listing = std::make_shared<Listing>();
  for (int row = 0; row < result.rows(); ++row) {
    listing->set_version(result.int64(row, 0));
    if (result.is_null(row, 1)) continue;
    listing->add(result.int64(row, 1), result.text(row, 2), result.int64(row, 3));
  }
  co_return listing;
}

}  // namespace

void Listing::add(std::int64_t id, std::string_view name, std::int64_t price) {
  ids_.push_back(id);
  append_listed_head(heads_, id, name, price);
  head_starts_.push_back(heads_.size());
}

ProductPages::ProductPages(db::Pool& pool)
    : ProductPages(pool, db::StaleReads(pool, nullptr, nullptr)) {}

// The listing (names and prices) may come from a replica: its version is checked against
// the stock read from the primary, so a listing older than the primary's catalogue is read
// again, and a page never mixes two catalogues.
ProductPages::ProductPages(db::Pool& pool, db::StaleReads listing_reads)
    : pool_(pool),
      listing_loads_([listing_reads](const std::vector<int>& keys)
                         -> awaitable<std::vector<std::optional<std::shared_ptr<const Listing>>>> {
        auto listing = co_await listing_reads.read(load_listing);
        co_return std::vector<std::optional<std::shared_ptr<const Listing>>>(keys.size(),
                                                                             std::move(listing));
      }),
      page_stock_([&pool](const std::vector<IdRange>& pages)
                      -> awaitable<std::vector<std::optional<PageStock>>> {
        std::vector<std::int64_t> firsts, lasts;
        firsts.reserve(pages.size());
        lasts.reserve(pages.size());
        for (const auto& range : pages) {
          firsts.push_back(range.first);
          lasts.push_back(range.last);
        }
        auto connection = co_await pool.acquire();
        auto result = co_await connection->execute(kStockByRanges, db::Params(firsts, lasts));
        std::int64_t version = 0, total = 0;
        if (result.rows() > 0) {
          version = result.int64(0, 0);
          total = result.int64(0, 1);
        }
        std::vector<std::optional<PageStock>> answers(pages.size());
        // page = position in `pages`, from 1; an empty range's stocks are NULL.
        for (int row = 0; row < result.rows(); ++row) {
          if (result.is_null(row, 2)) continue;
          const auto page = result.int64(row, 2);
          if (page < 1 || page > static_cast<std::int64_t>(pages.size())) continue;
          answers[static_cast<std::size_t>(page - 1)] =
              PageStock{version, total, result.int64_array(row, 3)};
        }
        co_return answers;
      }) {}

ProductPages::~ProductPages() = default;

awaitable<ListedPage> ProductPages::page(std::int64_t limit, std::int64_t offset) {
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (!listing_) {
      auto loaded = co_await listing_loads_.get(0);
      if (loaded) listing_ = *loaded;
    }
    const auto listing = listing_;  // held: a concurrent refresh may replace listing_
    const auto& ids = listing->ids();
    const auto size = ids.size();
    const auto first = static_cast<std::size_t>(
        std::clamp<std::int64_t>(offset, 0, static_cast<std::int64_t>(size)));
    const auto end = static_cast<std::size_t>(std::min<std::int64_t>(
        static_cast<std::int64_t>(first) + limit, static_cast<std::int64_t>(size)));
    IdRange range;  // empty unless the page has ids
    if (first < end) range = {ids[first], ids[end - 1]};
    auto stock = co_await page_stock_.get(range);
    if (stock && stock->version == listing->version() && stock->stocks.size() == end - first) {
      co_return ListedPage{stock->total, listing, first, std::move(stock->stocks)};
    }
    // The catalogue changed since the listing was read: read it again.
    if (listing_ == listing) listing_.reset();
  }
  // The catalogue keeps changing under us: the plain query is always right.
  co_return page_of(co_await list_products(pool_, limit, offset));
}

}  // namespace catalog
