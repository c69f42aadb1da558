#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "catalog/catalog_store.hpp"
#include "platform/db/batched_lookup.hpp"
#include "platform/db/pool.hpp"

namespace catalog {

// GET /products/{id} lookups of one event loop, coalesced into `id = ANY($1)` statements
// (db::BatchedLookup): under load one statement answers many requests, and every answer
// still comes from a snapshot taken after its request arrived, so the stock is the stock
// at that moment.
class ProductLookup {
 public:
  explicit ProductLookup(db::Pool& pool, std::size_t max_queries_in_flight = 1);

  boost::asio::awaitable<std::optional<Product>> find(std::int64_t id) { return lookup_.get(id); }
  std::uint64_t queries() const { return lookup_.fetches(); }

 private:
  db::BatchedLookup<std::int64_t, Product> lookup_;
};

}  // namespace catalog
