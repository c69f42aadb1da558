#include <gtest/gtest.h>

#include "orders/order_lists.hpp"
#include "platform/http/api_error.hpp"

namespace orders {
namespace {

TEST(StatusFilter, AbsentMeansEveryStatus) {
  EXPECT_FALSE(status_filter(nullptr));
}

TEST(StatusFilter, TakesEachStatusOfTheContract) {
  const std::string paid = "PAID", not_paid = "NOT_PAID", expired = "EXPIRED",
                    cancelled = "CANCELLED";
  EXPECT_EQ(status_filter(&paid), OrderStatus::paid);
  EXPECT_EQ(status_filter(&not_paid), OrderStatus::not_paid);
  EXPECT_EQ(status_filter(&expired), OrderStatus::expired);
  EXPECT_EQ(status_filter(&cancelled), OrderStatus::cancelled);
}

TEST(StatusFilter, AnythingElseIsAnInvalidRequest) {
  for (std::string text : {"paid", "", "SHIPPED", "PAID "}) {
    EXPECT_THROW(status_filter(&text), http::ApiError) << text;
  }
}

}  // namespace
}  // namespace orders
