#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "catalog/catalog_store.hpp"
#include "platform/db/batched_lookup.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/read_replica.hpp"

namespace catalog {

// What the product list shows of every product except its stock, for one version of the
// catalogue: ids in id order, each with its JSON rendered up to the stock
// (append_listed_head).
class Listing {
 public:
  std::int64_t version() const { return version_; }
  const std::vector<std::int64_t>& ids() const { return ids_; }
  std::string_view head(std::size_t at) const {
    return std::string_view(heads_).substr(head_starts_[at],
                                           head_starts_[at + 1] - head_starts_[at]);
  }

  void set_version(std::int64_t version) { version_ = version; }
  void add(std::int64_t id, std::string_view name, std::int64_t price);

 private:
  std::int64_t version_ = -1;
  std::vector<std::int64_t> ids_;            // ascending
  std::string heads_;                        // all heads in one buffer, one after another
  std::vector<std::size_t> head_starts_{0};  // head i is [head_starts_[i], head_starts_[i + 1])
};

// One page of the list: the heads of `listing` from position `first`, and the stock of each
// of those products as read for this request.
struct ListedPage {
  std::int64_t total = 0;
  std::shared_ptr<const Listing> listing;
  std::size_t first = 0;
  std::vector<std::int64_t> stocks;
};

// GET /products pages for one event loop, without an OFFSET scan and without reading
// again, per request, what only changes with the catalogue.
//
// The loop keeps a Listing tagged with the catalogue's version (catalog_totals.version,
// bumped by every statement that inserts or deletes products or may change an id, name
// or price: migrations 0004 and 0013). A page is a slice of its ids; the request reads
// only their stock, as the range from the page's first id to its last (one index range
// scan, not one probe per id), coalesced with the loop's concurrent pages into one
// statement (db::BatchedLookup). That statement also reads the version: if it moved, the
// listing is read again and the page retried. So a page always shows the catalogue of its
// own snapshot, and stock is read at the moment of the request.
// The listing costs each product's head (about 60-100 bytes with a short name) plus 16
// bytes, per loop: 1,000 products under 0.2 MB, a million about 100 MB per loop, read
// again whenever the version moves.
// Not thread-safe: one per loop.
class ProductPages {
 public:
  explicit ProductPages(db::Pool& pool);
  // The listing read through `listing_reads` (a replica while usable), stock from `pool`.
  ProductPages(db::Pool& pool, db::StaleReads listing_reads);
  ~ProductPages();

  boost::asio::awaitable<ListedPage> page(std::int64_t limit, std::int64_t offset);

 private:
  // A page's ids, first to last: a page is a slice of the listing, so the products of
  // its snapshot are exactly those in the range. Empty when first > last.
  struct IdRange {
    std::int64_t first = 1;
    std::int64_t last = 0;
    auto operator<=>(const IdRange&) const = default;  // equal pages share one read
  };
  struct PageStock {
    std::int64_t version = 0;
    std::int64_t total = 0;
    std::vector<std::int64_t> stocks;  // of the products in the range, in id order
  };

  db::Pool& pool_;
  std::shared_ptr<const Listing> listing_;
  db::BatchedLookup<int, std::shared_ptr<const Listing>> listing_loads_;
  db::BatchedLookup<IdRange, PageStock> page_stock_;
};

}  // namespace catalog
