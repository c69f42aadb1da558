#include "orders/order_json.hpp"

#include <boost/json/array.hpp>

#include "platform/json/output.hpp"

namespace orders {

boost::json::object order_json(const Order& order) {
  boost::json::array items;
  for (const auto& item : order.items) {
    items.push_back(boost::json::object{{"productId", item.product_id},
                                        {"quantity", item.quantity},
                                        {"unitPrice", item.unit_price},
                                        {"amount", item.amount}});
  }
  boost::json::object out;
  out["orderId"] = order.id;
  out["userId"] = order.user_id;
  out["status"] = order.status;
  out["items"] = std::move(items);
  out["totalAmount"] = order.total_amount;
  out["discountAmount"] = order.discount_amount;
  out["payAmount"] = order.pay_amount;
  out["userCouponId"] = json_output::or_null(order.user_coupon_id);
  out["createdAt"] = order.created_at;
  out["expiresAt"] = order.expires_at;
  out["paidAt"] = json_output::or_null(order.paid_at);
  return out;
}

}  // namespace orders
