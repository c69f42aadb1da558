#pragma once

#include "platform/db/pool.hpp"
#include "platform/db/read_replica.hpp"
#include "platform/http/router.hpp"

namespace catalog {

// What these routes use, built by app/.
struct CatalogDeps {
  db::Pool& db;
  // Where names, prices and descriptions may be read (a replica while it is fresh enough).
  db::StaleReads stale_reads;
};

// Public product reads and the admin catalogue (create, restock).
void add_routes(http::Router& router, const CatalogDeps& deps);

}  // namespace catalog
