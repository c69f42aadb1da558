#include "platform/metrics/prometheus_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

namespace metrics {

namespace {

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_value(std::string& out, double value) {
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else if (value == std::floor(value) && std::fabs(value) < 1e15) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(value));
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

}  // namespace

void write_help(std::string& out, std::string_view name, std::string_view type,
                std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void write_sample(std::string& out, std::string_view name, std::span<const Label> labels,
                  double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [key, label_value] : labels) {
      if (!first) out += ',';
      first = false;
      out += key;
      out += "=\"";
      append_escaped(out, label_value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  append_value(out, value);
  out += '\n';
}

void write_sample(std::string& out, std::string_view name, std::initializer_list<Label> labels,
                  double value) {
  write_sample(out, name, std::span<const Label>(labels.begin(), labels.size()), value);
}

std::size_t latency_bucket(double seconds) {
  const auto* bound =
      std::lower_bound(std::begin(kLatencyBuckets), std::end(kLatencyBuckets), seconds);
  return static_cast<std::size_t>(bound - std::begin(kLatencyBuckets));
}

void write_histogram(std::string& out, std::string_view name, std::span<const Label> labels,
                     std::span<const std::uint64_t> counts, double sum) {
  std::vector<Label> with_le(labels.begin(), labels.end());
  with_le.emplace_back("le", "");
  const std::string bucket_name = fmt::format("{}_bucket", name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kLatencyBucketCount && i < counts.size(); ++i) {
    cumulative += counts[i];
    const std::string le =
        i < kLatencyBucketCount ? fmt::format("{}", kLatencyBuckets[i]) : std::string("+Inf");
    with_le.back().second = le;
    write_sample(out, bucket_name, with_le, static_cast<double>(cumulative));
  }
  write_sample(out, fmt::format("{}_sum", name), labels, sum);
  write_sample(out, fmt::format("{}_count", name), labels, static_cast<double>(cumulative));
}

}  // namespace metrics
