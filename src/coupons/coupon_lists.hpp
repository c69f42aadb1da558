#pragma once

#include <cstdint>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coupons/coupons_store.hpp"
#include "platform/db/pool.hpp"

namespace coupons {

struct CouponPage {
  std::int64_t total = 0;       // every coupon kind
  std::vector<Coupon> coupons;  // newest first (by id, descending)
};

// One page of every coupon kind with its remaining quantity, and how many there are, from
// one snapshot (one statement): GET /api/v1/admin/coupons.
boost::asio::awaitable<CouponPage> list_coupons(db::Pool& pool, std::int64_t limit,
                                                std::int64_t offset);

}  // namespace coupons
