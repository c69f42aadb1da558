#include <gtest/gtest.h>

#include "events/event_signature.hpp"

namespace {

TEST(EventSignature, IsHmacSha256OfTimestampDotBody) {
  // Expected value from Python: hmac.new(b"whsec_test", b'1800000000.{"eventId":"e1"}',
  // hashlib.sha256).hexdigest()
  EXPECT_EQ(events::event_signature("whsec_test", 1'800'000'000, R"({"eventId":"e1"})"),
            "t=1800000000,v1=2bf90b260452f6dc13c1386a9bd8770741892c3b8d93321ff98f648c8d9576da");
}

TEST(EventSignature, ChangesWithTheTimeTheBodyAndTheSecret) {
  const auto base = events::event_signature("secret", 100, "{}");
  EXPECT_NE(base, events::event_signature("secret", 101, "{}"));
  EXPECT_NE(base, events::event_signature("secret", 100, "{} "));
  EXPECT_NE(base, events::event_signature("secreT", 100, "{}"));
}

}  // namespace
