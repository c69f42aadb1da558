#include "platform/json/page.hpp"

namespace json_output {

boost::json::object page_json(boost::json::array content, const json_input::PageRequest& page,
                              std::int64_t total_elements) {
  boost::json::object out;
  out["content"] = std::move(content);
  out["page"] = page.page;
  out["size"] = page.size;
  out["totalElements"] = total_elements;
  return out;
}

}  // namespace json_output
