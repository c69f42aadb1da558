#include "orders/order_lists.hpp"

#include <string>

#include "platform/http/api_error.hpp"

namespace orders {

namespace {

using boost::asio::awaitable;

// One statement per filter shape, so each gets a plan made for it (an "$3 IS NULL OR ..."
// condition would leave the generic plan unable to pick the index). $1 limit, $2 offset,
// then the filter's values. Every shape reads by an index in id order (migration 0018):
// user -> orders_by_user, status -> orders_by_status, neither -> the primary key; so a page
// reads only its rows. A user's list counts its matches in the same statement (one index-
// only scan over that user's entries: cheap); the operator's lists count apart (kCount*),
// because counting every order is not cheap at a million (see count_orders).
std::string list_sql(const std::string& where, const std::string& user_exists,
                     const std::string& count) {
  return "WITH t AS (" + count +
         "), "
         "p AS (SELECT * FROM orders o WHERE " +
         where +
         " ORDER BY o.id DESC LIMIT $1::bigint OFFSET $2::bigint) "
         "SELECT " +
         user_exists +
         ", t.total, p.id, p.user_id, p.status, p.user_coupon_id, p.total_amount,"
         "       p.discount_amount, p.pay_amount, api_timestamp(p.created_at),"
         "       api_timestamp(p.expires_at), api_timestamp(p.paid_at), i.product_ids,"
         "       i.quantities, i.unit_prices, i.amounts "
         "FROM t LEFT JOIN p ON true "
         "LEFT JOIN LATERAL ("
         "  SELECT array_agg(product_id ORDER BY product_id) AS product_ids,"
         "         array_agg(quantity ORDER BY product_id) AS quantities,"
         "         array_agg(unit_price ORDER BY product_id) AS unit_prices,"
         "         array_agg(amount ORDER BY product_id) AS amounts"
         "  FROM order_items WHERE order_id = p.id) i ON true "
         "ORDER BY p.id DESC";
}

std::string count_sql(const std::string& where) {
  return "SELECT count(*) AS total FROM orders o WHERE " + where;
}

const std::string kUserExists = "EXISTS (SELECT 1 FROM users WHERE id = $3::bigint)";
const std::string kNotCounted = "SELECT 0::bigint AS total";
const std::string kByUserWhere = "o.user_id = $3::bigint";
const std::string kByUserStatusWhere = "o.user_id = $3::bigint AND o.status = $4::text";

const std::string kAllSql = list_sql("true", "true", kNotCounted);
const std::string kByStatusSql = list_sql("o.status = $3::text", "true", kNotCounted);
const std::string kByUserSql = list_sql(kByUserWhere, kUserExists, count_sql(kByUserWhere));
const std::string kByUserStatusSql =
    list_sql(kByUserStatusWhere, kUserExists, count_sql(kByUserStatusWhere));
const std::string kCountAllSql = count_sql("true");
const std::string kCountByStatusSql = count_sql("o.status = $1::text");

const db::Statement kAll{"orders.list_all", kAllSql.c_str()};
const db::Statement kByStatus{"orders.list_by_status", kByStatusSql.c_str()};
const db::Statement kByUser{"orders.list_by_user", kByUserSql.c_str()};
const db::Statement kByUserStatus{"orders.list_by_user_status", kByUserStatusSql.c_str()};
const db::Statement kCountAll{"orders.count_all", kCountAllSql.c_str()};
const db::Statement kCountByStatus{"orders.count_by_status", kCountByStatusSql.c_str()};

Order order_at(const db::Result& r, int row) {
  Order order;
  order.id = r.int64(row, 2);
  order.user_id = r.int64(row, 3);
  order.status = r.string(row, 4);
  if (!r.is_null(row, 5)) order.user_coupon_id = r.int64(row, 5);
  order.total_amount = r.int64(row, 6);
  order.discount_amount = r.int64(row, 7);
  order.pay_amount = r.int64(row, 8);
  order.created_at = r.string(row, 9);
  order.expires_at = r.string(row, 10);
  if (!r.is_null(row, 11)) order.paid_at = r.string(row, 11);
  if (!r.is_null(row, 12)) {
    auto product_ids = r.int64_array(row, 12);
    auto quantities = r.int64_array(row, 13);
    auto unit_prices = r.int64_array(row, 14);
    auto amounts = r.int64_array(row, 15);
    for (std::size_t i = 0; i < product_ids.size(); ++i) {
      order.items.push_back({product_ids[i], quantities[i], unit_prices[i], amounts[i]});
    }
  }
  return order;
}

}  // namespace

std::optional<OrderStatus> status_filter(const std::string* raw) {
  if (!raw) return std::nullopt;
  auto status = parse_status(*raw);
  if (!status) {
    throw http::ApiError::invalid_request(
        "'status' must be one of NOT_PAID, PAID, EXPIRED, CANCELLED");
  }
  return status;
}

awaitable<std::optional<OrderPage>> list_orders(db::Pool& pool, const OrderFilter& filter,
                                                std::int64_t limit, std::int64_t offset) {
  db::Params params(limit, offset);
  const db::Statement* statement = &kAll;
  if (filter.user_id) {
    params.add(*filter.user_id);
    statement = &kByUser;
  }
  if (filter.status) {
    params.add(std::string(to_string(*filter.status)));
    statement = filter.user_id ? &kByUserStatus : &kByStatus;
  }
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(*statement, params);
  if (result.empty() || !result.boolean(0, 0)) co_return std::nullopt;
  OrderPage page;
  page.total = result.int64(0, 1);
  for (int row = 0; row < result.rows(); ++row) {
    if (result.is_null(row, 2)) continue;  // no order on this page: only the count's row
    page.orders.push_back(order_at(result, row));
  }
  co_return page;
}

awaitable<std::int64_t> count_orders(db::Pool& pool, std::optional<OrderStatus> status) {
  auto connection = co_await pool.acquire();
  if (!status) co_return (co_await connection->execute(kCountAll, db::Params())).int64(0, 0);
  auto result =
      co_await connection->execute(kCountByStatus, db::Params(std::string(to_string(*status))));
  co_return result.int64(0, 0);
}

}  // namespace orders
