// When reads that may be stale go to the replica (db::replica_usable), and the
// DATABASE_READ_URL setting.
#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "platform/config/config.hpp"
#include "platform/db/read_replica.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

db::ReplicaProbe probe(std::optional<double> lag, Clock::time_point at) {
  db::ReplicaProbe p;
  p.lag_seconds = lag;
  p.at = at;
  return p;
}

TEST(ReplicaUsable, FreshProbeWithinTheLagIsUsed) {
  const auto now = Clock::now();
  EXPECT_TRUE(db::replica_usable(probe(0.0, now), now));
  EXPECT_TRUE(db::replica_usable(probe(4.9, now - 1s), now));
  EXPECT_TRUE(db::replica_usable(probe(5.0, now), now));
}

TEST(ReplicaUsable, MoreThanFiveSecondsBehindIsNotUsed) {
  const auto now = Clock::now();
  EXPECT_FALSE(db::replica_usable(probe(5.01, now), now));
  EXPECT_FALSE(db::replica_usable(probe(600.0, now), now));
}

TEST(ReplicaUsable, DownOrUnknownIsNotUsed) {
  const auto now = Clock::now();
  EXPECT_FALSE(db::replica_usable(probe(std::nullopt, now), now));
  EXPECT_FALSE(db::replica_usable(probe(-1.0, now), now));
}

TEST(ReplicaUsable, AnOldProbeProvesNothing) {
  const auto now = Clock::now();
  EXPECT_FALSE(db::replica_usable(probe(0.0, now - 3100ms), now));
  db::ReplicaLimits limits;
  limits.max_probe_age = 10s;
  limits.max_lag = 1s;
  EXPECT_TRUE(db::replica_usable(probe(0.5, now - 9s), now, limits));
  EXPECT_FALSE(db::replica_usable(probe(1.5, now), now, limits));
}

config::Config parse(std::optional<std::string> read_url) {
  return config::parse([read_url](std::string_view name) -> std::optional<std::string> {
    if (name == "DATABASE_URL") return std::string("postgresql://primary/db");
    if (name == "DATABASE_READ_URL") return read_url;
    return std::nullopt;
  });
}

TEST(DatabaseReadUrl, OptionalAndTakenAsGiven) {
  EXPECT_EQ(parse(std::nullopt).database_read_url, "");
  EXPECT_EQ(parse("postgresql://replica:5001/db").database_read_url,
            "postgresql://replica:5001/db");
}

}  // namespace
