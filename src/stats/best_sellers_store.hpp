#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace stats {

inline constexpr int kBestSellersLimit = 5;
inline constexpr int kWindowDays = 3;

struct BestSeller {
  std::int64_t product_id = 0;
  std::string name;
  std::int64_t price = 0;
  std::int64_t stock = 0;
  std::int64_t sales_quantity = 0;
};

// The products with the most units in PAID orders over the 3 sales days ending on
// `last_day` (YYYY-MM-DD; nullopt: today in the service time zone), most first, ties by
// product id; at most 5.
boost::asio::awaitable<std::vector<BestSeller>> best_sellers(db::Pool& pool,
                                                             std::optional<std::string> last_day);

}  // namespace stats
