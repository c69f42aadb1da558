#pragma once

#include <boost/json/object.hpp>

#include "coupons/coupons_store.hpp"

namespace coupons {

// A coupon kind as the admin endpoints write it, with `remainingQuantity`.
boost::json::object coupon_json(const Coupon& coupon);

}  // namespace coupons
