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
// slice of those ids, and its rows are read by id, coalesced with the loop's concurrent
// pages into one statement (db::BatchedLookup). That statement also reads the version: if
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
  struct PageRows {
    std::int64_t version = 0;
    std::int64_t total = 0;
    std::vector<Product> products;  // the requested ids that exist, in id order
  };

  db::Pool& pool_;
  std::shared_ptr<const IdIndex> index_;
  db::BatchedLookup<int, std::shared_ptr<const IdIndex>> index_loads_;
  db::BatchedLookup<std::vector<std::int64_t>, PageRows> page_rows_;
};

}  // namespace catalog
