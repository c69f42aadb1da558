#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace catalog {

inline constexpr std::int64_t kMaxPrice = 100'000'000;
inline constexpr std::int64_t kMaxStock = 1'000'000'000;

struct Product {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  std::int64_t price = 0;
  std::int64_t stock = 0;
};

struct ProductPage {
  std::int64_t total = 0;
  std::vector<Product> products;  // by id; descriptions not loaded
};

boost::asio::awaitable<ProductPage> list_products(db::Pool& pool, std::int64_t limit,
                                                  std::int64_t offset);
boost::asio::awaitable<Product> create_product(db::Pool& pool, const Product& product);

struct RestockOutcome {
  enum class Kind { done, not_found, below_zero, above_max } kind;
  Product product;  // after the change when done; the current product otherwise
};
// Adds `delta` (may be negative) atomically; the stock stays within 0..kMaxStock.
boost::asio::awaitable<RestockOutcome> restock(db::Pool& pool, std::int64_t id, std::int64_t delta);
// The same on the caller's transaction.
boost::asio::awaitable<RestockOutcome> restock(db::Connection& connection, std::int64_t id,
                                               std::int64_t delta);

}  // namespace catalog
