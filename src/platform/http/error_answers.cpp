#include "platform/http/error_answers.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "platform/db/errors.hpp"
#include "platform/http/api_error.hpp"

namespace http {

// Tested in the order a catch sequence would be: a DbAnswerLost is a DbUnavailable.
Response error_answer(const std::exception& error, std::string_view request_id) {
  if (const auto* api_error = dynamic_cast<const ApiError*>(&error)) {
    return problem(api_error->status(), api_error->code(), api_error->what());
  }
  if (dynamic_cast<const db::DbUnavailable*>(&error)) {
    spdlog::warn("request_id={} msg=\"database unavailable\" error=\"{}\"", request_id,
                 error.what());
    return problem(503, "UNAVAILABLE", "the database is unavailable; retry later");
  }
  if (dynamic_cast<const db::DbOutcomeUnknown*>(&error)) {
    // Every answer is true: the write may have been applied, so not a "safe to retry" 503.
    spdlog::error("request_id={} msg=\"write outcome unknown\" error=\"{}\"", request_id,
                  error.what());
    return problem(504, "OUTCOME_UNKNOWN",
                   "the database did not confirm whether this write was applied; retry "
                   "with the same Idempotency-Key, or read the resource, to learn it");
  }
  if (const auto* db_error = dynamic_cast<const db::DbError*>(&error)) {
    if (!db_error->is_lock_timeout()) {
      spdlog::error("request_id={} msg=\"unhandled database error\" error=\"{}\"", request_id,
                    error.what());
      return problem(500, "INTERNAL", fmt::format("internal error (request {})", request_id));
    }
    // The request's deadline passed while it waited for a row lock (REQUEST_DEADLINE_MS).
    spdlog::warn("request_id={} msg=\"lock wait past the request deadline\"", request_id);
    return problem(503, "UNAVAILABLE", "the data is busy; retry later");
  }
  spdlog::error("request_id={} msg=\"unhandled error\" error=\"{}\"", request_id, error.what());
  return problem(500, "INTERNAL", fmt::format("internal error (request {})", request_id));
}

}  // namespace http
