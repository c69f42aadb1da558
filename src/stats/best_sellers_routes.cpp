#include "stats/best_sellers_routes.hpp"

#include <atomic>
#include <memory>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "platform/http/api_error.hpp"
#include "platform/metrics/prometheus_text.hpp"
#include "stats/answer_cache.hpp"
#include "stats/best_sellers_store.hpp"
#include "stats/sales_date.hpp"

namespace stats {

namespace {

using boost::asio::awaitable;

// The contract allows a payment to take up to 10 s to show: answers are fresh for 4 s and
// an old answer is served at most 9 s after its query while one request refreshes it.
constexpr auto kFreshFor = std::chrono::seconds(4);
constexpr auto kServeStaleFor = std::chrono::seconds(9);
// So a ranking read from a replica is used only while that replica is at most 1 s behind:
// its answer, served up to 9 s, then still shows every payment of the last 10 s.
constexpr auto kReplicaMaxLag = std::chrono::seconds(10) - kServeStaleFor;

std::string to_json(const std::vector<BestSeller>& ranking) {
  boost::json::array out;
  int rank = 0;
  for (const auto& product : ranking) {
    out.push_back(boost::json::object{{"rank", ++rank},
                                      {"productId", product.product_id},
                                      {"name", product.name},
                                      {"price", product.price},
                                      {"stock", product.stock},
                                      {"salesQuantity", product.sales_quantity}});
  }
  return boost::json::serialize(out);
}

}  // namespace

awaitable<void> write_metrics(const BestSellersCounts& counts, db::Pool&, std::string& out) {
  metrics::write_help(
      out, "best_sellers_queries_total", "counter",
      "Best-seller rankings read from the database (every other answer was cached).");
  metrics::write_sample(out, "best_sellers_queries_total", {},
                        static_cast<double>(counts.queries.load(std::memory_order_relaxed)));
  co_return;
}

void add_routes(http::Router& router, const BestSellersDeps& deps) {
  // One cache per event loop (this router belongs to one loop).
  auto cache = std::make_shared<AnswerCache>(kFreshFor, kServeStaleFor);
  router.add(http::Method::get, "/api/v1/products/best",
             [reads = deps.stale_reads, &counts = deps.counts,
              cache](http::Request& request) -> awaitable<http::Response> {
               std::optional<std::string> last_day;
               if (const auto* date = request.query_param("date")) {
                 last_day = parse_sales_date(*date);
                 if (!last_day) {
                   throw http::ApiError::invalid_request("'date' must be a date as YYYY-MM-DD");
                 }
               }
               // Named, not a temporary in the co_await: g++ 12 mis-destroys temporaries
               // with destructors that live across a suspension.
               const AnswerCache::Loader load = [&reads, &counts,
                                                 last_day]() -> awaitable<std::string> {
                 counts.queries.fetch_add(1, std::memory_order_relaxed);
                 co_return to_json(co_await reads.read(
                     [&last_day](db::Pool& pool) { return best_sellers(pool, last_day); },
                     kReplicaMaxLag));
               };
               const std::string key = last_day.value_or("");
               auto body = co_await cache->get(key, load);
               co_return http::Response::json(200, std::move(body));
             });
}

}  // namespace stats
