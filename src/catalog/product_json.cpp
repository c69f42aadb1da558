#include "catalog/product_json.hpp"

#include "platform/json/output.hpp"

namespace catalog {

void append_listed_head(std::string& out, std::int64_t id, std::string_view name,
                        std::int64_t price) {
  out.append(R"({"id":)");
  json_output::append_int(out, id);
  out.append(R"(,"name":)");
  json_output::append_string(out, name);
  out.append(R"(,"price":)");
  json_output::append_int(out, price);
  out.append(R"(,"stock":)");
}

void append_listed_product(std::string& out, std::string_view head, std::int64_t stock) {
  out.append(head);
  json_output::append_int(out, stock);
  out.push_back('}');
}

void append_product_json(std::string& out, const Product& product, bool with_description) {
  if (with_description) {
    out.append(R"({"id":)");
    json_output::append_int(out, product.id);
    out.append(R"(,"name":)");
    json_output::append_string(out, product.name);
    out.append(R"(,"description":)");
    json_output::append_string(out, product.description);
    out.append(R"(,"price":)");
    json_output::append_int(out, product.price);
    out.append(R"(,"stock":)");
  } else {
    append_listed_head(out, product.id, product.name, product.price);
  }
  json_output::append_int(out, product.stock);
  out.push_back('}');
}

}  // namespace catalog
