// The mock upstream itself: other rooms' integration tests and benchmarks lean on it.
#include <catch2/catch.hpp>

#include <httplib.h>

#include "support/mock_upstream.h"

using namespace switchyard::testing;

TEST_CASE("mock upstream: queue before default, custom routes, recording", "[mock]") {
  MockUpstream mock;
  mock.enqueue(MockResponse::error(503, R"({"error":{"message":"busy"}})", 3));
  mock.route("/v1/messages", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(R"({"type":"message","echo":)" + std::to_string(req.body.size()) + "}", "application/json");
  });
  httplib::Client client("127.0.0.1", mock.port());
  auto first = client.Post("/v1/chat/completions", R"({"a":1})", "application/json");
  REQUIRE(first);
  CHECK(first->status == 503);
  CHECK(first->get_header_value("Retry-After") == "3");
  auto second = client.Post("/v1/chat/completions", "{}", "application/json");
  REQUIRE(second);
  CHECK(second->status == 200);
  CHECK(second->body == chat_completion_json());
  auto custom = client.Post("/v1/messages", "12345", "application/json");
  REQUIRE(custom);
  CHECK(custom->body == R"({"type":"message","echo":5})");
  CHECK(mock.request_count() == 3);
  auto requests = mock.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].body == R"({"a":1})");
  CHECK(requests[0].header("content-type") == "application/json");
  CHECK(requests[2].path == "/v1/messages");
}

TEST_CASE("mock upstream: fast mode only counts", "[mock]") {
  MockUpstream mock(MockUpstream::Options{.worker_threads = 2, .record_bodies = false});
  mock.set_response(MockResponse::fast());
  httplib::Client client("127.0.0.1", mock.port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Post("/v1/chat/completions", "{}", "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(mock.request_count() == 3);
  CHECK(mock.requests().empty());
  CHECK(mock.wait_for_requests(3, std::chrono::milliseconds(0)));
}

TEST_CASE("mock upstream: a hang ends when released, and shutdown never waits on it", "[mock]") {
  MockUpstream mock;
  mock.set_response(MockResponse::hang());
  bool answered = false;  // asserted on the main thread (Catch2 v2)
  std::thread client_thread([&] {
    httplib::Client client("127.0.0.1", mock.port());
    answered = static_cast<bool>(client.Post("/v1/chat/completions", "{}", "application/json"));
  });
  REQUIRE(mock.wait_for_requests(1));
  mock.release_hangs();
  client_thread.join();
  CHECK(answered);  // answered (504) once released
}

TEST_CASE("mock upstream: SSE builder output", "[mock]") {
  ChatStreamSpec spec;
  spec.crlf = true;
  spec.with_comments = true;
  auto chunks = chat_completion_sse(spec);
  REQUIRE(!chunks.empty());
  CHECK(chunks.front() == ": OPENROUTER PROCESSING\r\n\r\n");
  CHECK(chunks.back() == "data: [DONE]\r\n\r\n");
}
