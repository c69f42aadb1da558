#include "coupons/sold_out_memo.hpp"

#include <vector>

namespace coupons {

namespace {

// The single-request diagnosis (coupons_store.cpp), for many (user, coupon) pairs at once;
// rows come back in request order, one per pair.
const db::Statement kDiagnoseMany{
    "coupons.diagnose_issue_many",
    "SELECT c.id IS NOT NULL,"
    "       EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id),"
    "       now() BETWEEN c.issue_starts_at AND c.issue_ends_at,"
    "       EXISTS (SELECT 1 FROM user_coupons uc"
    "               WHERE uc.user_id = r.user_id AND uc.coupon_id = r.coupon_id),"
    "       c.remaining_quantity "
    "FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS r(user_id, coupon_id, n)"
    "     LEFT JOIN coupons c ON c.id = r.coupon_id "
    "ORDER BY r.n"};

}  // namespace

SoldOutMemo::SoldOutMemo(db::Pool& pool)
    : diagnoses_([&pool](const std::vector<std::pair<std::int64_t, std::int64_t>>& requests)
                     -> boost::asio::awaitable<std::vector<std::optional<IssueDiagnosis>>> {
        std::vector<std::int64_t> users, coupons;
        for (const auto& [user_id, coupon_id] : requests) {
          users.push_back(user_id);
          coupons.push_back(coupon_id);
        }
        auto connection = co_await pool.acquire();
        auto result = co_await connection->execute(kDiagnoseMany, db::Params(users, coupons));
        std::vector<std::optional<IssueDiagnosis>> diagnoses(requests.size());
        for (int row = 0; row < result.rows() && row < static_cast<int>(requests.size()); ++row) {
          if (!result.boolean(row, 0)) continue;  // no such coupon
          diagnoses[static_cast<std::size_t>(row)] =
              IssueDiagnosis{result.boolean(row, 1), result.boolean(row, 2), result.boolean(row, 3),
                             result.int64(row, 4)};
        }
        co_return diagnoses;
      }) {}

}  // namespace coupons
