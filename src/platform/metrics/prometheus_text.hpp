#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace metrics {

using Label = std::pair<std::string_view, std::string_view>;

// Writers for the Prometheus text exposition format (version 0.0.4).
void write_help(std::string& out, std::string_view name, std::string_view type,
                std::string_view help);
// `name{labels} value`; label values are escaped.
void write_sample(std::string& out, std::string_view name, std::initializer_list<Label> labels,
                  double value);
void write_sample(std::string& out, std::string_view name, std::span<const Label> labels,
                  double value);

// Upper bounds (seconds) shared by every latency histogram.
inline constexpr double kLatencyBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5,     10};
inline constexpr std::size_t kLatencyBucketCount = std::size(kLatencyBuckets);

// Index of the first bucket whose bound holds `seconds`; kLatencyBucketCount for +Inf.
std::size_t latency_bucket(double seconds);

// A histogram's _bucket (cumulative), _sum and _count lines from per-bucket counts
// (`counts` has kLatencyBucketCount + 1 entries, the last for +Inf).
void write_histogram(std::string& out, std::string_view name, std::span<const Label> labels,
                     std::span<const std::uint64_t> counts, double sum);

}  // namespace metrics
