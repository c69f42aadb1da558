#pragma once

#include <cstdint>
#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"
#include "points/charge_batcher.hpp"

namespace points {

// What these routes use, built by app/.
struct PointsDeps {
  db::Pool& db;
  ChargeBatcher& charges;
  std::int64_t max_charge;
  std::int64_t max_balance;
};

void add_routes(http::Router& router, const PointsDeps& deps);

}  // namespace points
