#include "catalog/catalog_routes.hpp"

#include <memory>
#include <string>

#include <fmt/format.h>
#include <boost/json/object.hpp>

#include "catalog/catalog_store.hpp"
#include "catalog/product_json.hpp"
#include "catalog/product_lookup.hpp"
#include "catalog/product_pages.hpp"
#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"
#include "platform/json/output.hpp"

namespace catalog {

namespace {

using boost::asio::awaitable;
using http::ApiError;

std::string to_json(const Product& product, bool with_description) {
  std::string out;
  append_product_json(out, product, with_description);
  return out;
}

ApiError product_not_found(std::int64_t id) {
  return ApiError::not_found("PRODUCT_NOT_FOUND", fmt::format("product {} does not exist", id));
}

std::int64_t amount_in_range(const boost::json::object& body, std::string_view field,
                             std::int64_t min, std::int64_t max) {
  auto value = json_input::required_int(body, field);
  if (value < min || value > max) {
    throw ApiError::invalid_amount(fmt::format("'{}' must be from {} to {}", field, min, max));
  }
  return value;
}

}  // namespace

void add_routes(http::Router& router, const CatalogDeps& deps) {
  db::Pool& pool = deps.db;
  // This router serves one event loop: the lookup batches that loop's requests.
  auto lookup = std::make_shared<ProductLookup>(pool);
  auto pages = std::make_shared<ProductPages>(pool, deps.stale_reads);

  router.add(http::Method::get, "/api/v1/products",
             [pages](http::Request& request) -> awaitable<http::Response> {
               auto page = json_input::query_page(request);
               auto found = co_await pages->page(page.size, page.offset());
               std::string out;
               out.reserve(64 + 96 * found.stocks.size());
               out.append(R"({"content":[)");
               for (std::size_t i = 0; i < found.stocks.size(); ++i) {
                 if (i > 0) out.push_back(',');
                 append_listed_product(out, found.listing->head(found.first + i), found.stocks[i]);
               }
               out.append(R"(],"page":)");
               json_output::append_int(out, page.page);
               out.append(R"(,"size":)");
               json_output::append_int(out, page.size);
               out.append(R"(,"totalElements":)");
               json_output::append_int(out, found.total);
               out.push_back('}');
               co_return http::Response::json(200, std::move(out));
             });

  router.add(http::Method::get, "/api/v1/products/{id}",
             [lookup](http::Request& request) -> awaitable<http::Response> {
               auto id = json_input::path_id(request, "id");
               auto product = co_await lookup->find(id);
               if (!product) throw product_not_found(id);
               co_return http::Response::json(200, to_json(*product, true));
             });

  router.add(http::Method::post, "/api/v1/admin/products", http::Access::admin,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto body = json_input::parse_object_body(request);
               Product product;
               product.name = json_input::required_text(body, "name", 200);
               product.description = json_input::optional_string(body, "description").value_or("");
               product.price = amount_in_range(body, "price", 0, kMaxPrice);
               product.stock = amount_in_range(body, "stock", 0, kMaxStock);
               auto created = co_await create_product(pool, product);
               co_return http::Response::json(201, to_json(created, true));
             });

  router.add(http::Method::post, "/api/v1/admin/products/{id}/stock", http::Access::admin,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto id = json_input::path_id(request, "id");
               auto body = json_input::parse_object_body(request);
               auto delta = amount_in_range(body, "delta", -kMaxStock, kMaxStock);
               if (delta == 0) throw ApiError::invalid_amount("'delta' must not be 0");
               auto outcome = co_await restock(pool, id, delta);
               switch (outcome.kind) {
                 case RestockOutcome::Kind::not_found:
                   throw product_not_found(id);
                 case RestockOutcome::Kind::below_zero:
                   throw ApiError::conflict(
                       "OUT_OF_STOCK", fmt::format("product {} has {} left, cannot remove {}", id,
                                                   outcome.product.stock, -delta));
                 case RestockOutcome::Kind::above_max:
                   throw ApiError::invalid_amount(
                       fmt::format("product {} would hold more than {} units", id, kMaxStock));
                 case RestockOutcome::Kind::done:
                   break;
               }
               co_return http::Response::json(200, to_json(outcome.product, true));
             });
}

}  // namespace catalog
