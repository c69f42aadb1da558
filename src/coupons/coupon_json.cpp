#include "coupons/coupon_json.hpp"

namespace coupons {

boost::json::object coupon_json(const Coupon& coupon) {
  boost::json::object out;
  out["id"] = coupon.id;
  out["name"] = coupon.name;
  out["discountType"] = coupon.discount_type;
  out["discountValue"] = coupon.discount_value;
  out["totalQuantity"] = coupon.total_quantity;
  out["remainingQuantity"] = coupon.remaining_quantity;
  out["issueStartsAt"] = coupon.issue_starts_at;
  out["issueEndsAt"] = coupon.issue_ends_at;
  out["validDays"] = coupon.valid_days;
  out["createdAt"] = coupon.created_at;
  return out;
}

}  // namespace coupons
