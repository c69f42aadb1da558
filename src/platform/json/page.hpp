#pragma once

#include <cstdint>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "platform/json/input.hpp"

namespace json_output {

// One page of a paginated list, as the contract's conventions write it:
// {"content": [...], "page": 0, "size": 20, "totalElements": N}.
boost::json::object page_json(boost::json::array content, const json_input::PageRequest& page,
                              std::int64_t total_elements);

}  // namespace json_output
