// A product's JSON as the contract shows it, and the list's rendered head plus stock being
// exactly the same text as the whole product rendered at once.

#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "catalog/product_json.hpp"

namespace {

catalog::Product product() {
  return catalog::Product{42, "한글 \"quoted\" name", "a\nlong description", 12'900, 7};
}

TEST(ProductJson, ListedProductHasNoDescription) {
  std::string out;
  catalog::append_product_json(out, product(), false);
  EXPECT_EQ(
      boost::json::parse(out),
      boost::json::parse(R"({"id":42,"name":"한글 \"quoted\" name","price":12900,"stock":7})"));
}

TEST(ProductJson, DetailHasTheDescription) {
  std::string out;
  catalog::append_product_json(out, product(), true);
  EXPECT_EQ(boost::json::parse(out),
            boost::json::parse(R"({"id":42,"name":"한글 \"quoted\" name",)"
                               R"("description":"a\nlong description","price":12900,"stock":7})"));
}

TEST(ProductJson, HeadThenStockIsTheListedProduct) {
  for (std::int64_t stock : {std::int64_t{0}, std::int64_t{7}, std::int64_t{1'000'000'000}}) {
    auto whole = product();
    whole.stock = stock;
    std::string expected = "x";  // both append, never replace
    catalog::append_product_json(expected, whole, false);
    std::string head;
    catalog::append_listed_head(head, whole.id, whole.name, whole.price);
    std::string got = "x";
    catalog::append_listed_product(got, head, stock);
    EXPECT_EQ(got, expected);
  }
}

}  // namespace
