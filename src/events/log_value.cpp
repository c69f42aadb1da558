#include "events/log_value.hpp"

namespace events {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == '"') c = '\'';
  }
  return text;
}

}  // namespace events
