#include <string>

#include <gtest/gtest.h>

#include "platform/http/response_writer.hpp"

namespace {

using http::Response;
using http::response_head;

TEST(ResponseHead, StatusTypeIdHeadersAndLength) {
  Response response = Response::json(201, "{\"id\":1}");
  response.headers.emplace_back("Location", "/api/v1/orders/1");
  EXPECT_EQ(response_head(response, "req-1", true, 11),
            "HTTP/1.1 201 Created\r\n"
            "Content-Type: application/json\r\n"
            "X-Request-Id: req-1\r\n"
            "Location: /api/v1/orders/1\r\n"
            "Content-Length: 8\r\n"
            "\r\n");
}

TEST(ResponseHead, Http11SaysWhenItCloses) {
  EXPECT_EQ(response_head(Response::json(200, "{}"), "r", false, 11),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: r\r\n"
            "Connection: close\r\nContent-Length: 2\r\n\r\n");
}

TEST(ResponseHead, Http10SaysWhenItStaysOpen) {
  EXPECT_EQ(response_head(Response::json(200, "{}"), "r", true, 10),
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: r\r\n"
            "Connection: keep-alive\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(response_head(Response::json(200, "{}"), "r", false, 10),
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: r\r\n"
            "Content-Length: 2\r\n\r\n");
}

TEST(ResponseHead, BodilessStatusesHaveNoContentLength) {
  for (int status : {100, 204, 304}) {
    const auto head = response_head(Response::json(status, "ignored"), "r", true, 11);
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
    EXPECT_TRUE(http::is_bodiless(status));
  }
  EXPECT_FALSE(http::is_bodiless(200));
  EXPECT_FALSE(http::is_bodiless(404));
}

}  // namespace
