#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/catalog_store.hpp"

namespace catalog {

// A product's JSON, rendered straight into the answer (no json::value per product): the
// product list is the busiest read, and building a JSON tree per product was most of its
// allocations.
void append_product_json(std::string& out, const Product& product, bool with_description);

// A listed product's JSON (no description) up to its stock, `{"id":…,"name":…,"price":…,
// "stock":`: everything but the one field orders change, so a list can keep it rendered
// and append only the stock it reads (then `}`).
void append_listed_head(std::string& out, std::int64_t id, std::string_view name,
                        std::int64_t price);

// A listed product from its head (above) and its stock: the same text as
// append_product_json without description.
void append_listed_product(std::string& out, std::string_view head, std::int64_t stock);

}  // namespace catalog
