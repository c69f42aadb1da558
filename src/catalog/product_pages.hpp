#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "catalog/catalog_store.hpp"
#include "platform/db/batched_lookup.hpp"
#include "platform/db/pool.hpp"

namespace catalog {

// GET /products pages for one event loop, without an OFFSET scan per request.
//
// The loop keeps every product id in id order, tagged with the product set's version
// (catalog_totals.version, bumped by every insert or delete of products). A page is then a
// slice of those ids, and its rows are read as the range from its first id to its last
// (one index range scan, not one probe per id), coalesced with the loop's concurrent pages
// into one statement (db::BatchedLookup). That statement also reads the version: if
// it moved, the ids are read again and the page is retried, so a page always matches the
// product set of its own snapshot, and stock is read at the moment of the request.
// Not thread-safe: one per loop.
class ProductPages {
 public:
  explicit ProductPages(db::Pool& pool);
  ~ProductPages();

  boost::asio::awaitable<ProductPage> page(std::int64_t limit, std::int64_t offset);

 private:
  struct IdIndex {
    std::int64_t version = -1;
    std::vector<std::int64_t> ids;  // ascending
  };
  // A page's ids, first to last: a page is a slice of the id index, so the products of
  // its snapshot are exactly those in the range. Empty when first > last.
  struct IdRange {
    std::int64_t first = 1;
    std::int64_t last = 0;
  };
  struct PageRows {
    std::int64_t version = 0;
    std::int64_t total = 0;
    std::vector<Product> products;  // the products in the range, in id order
  };

  db::Pool& pool_;
  std::shared_ptr<const IdIndex> index_;
  db::BatchedLookup<int, std::shared_ptr<const IdIndex>> index_loads_;
  db::BatchedLookup<IdRange, PageRows> page_rows_;
};

}  // namespace catalog
