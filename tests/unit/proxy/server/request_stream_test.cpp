// RequestStream: the httplib::Stream one request is processed on (proxy/server/request_stream.h).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "proxy/server/request_stream.h"

using namespace switchyard::proxy;

namespace {

struct Pair {
  int server = -1, client = -1;
  Pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    server = fds[0];
    client = fds[1];
  }
  ~Pair() {
    ::close(server);
    if (client >= 0) ::close(client);
  }
  std::string available() const {  // what the client can read now, without waiting
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(client, buf, sizeof buf, MSG_DONTWAIT)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

const std::string kHead = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";

RequestStream stream_on(const Pair& p) {
  return RequestStream(p.server, "GET / HTTP/1.1\r\n\r\n", std::chrono::milliseconds(1000), {}, {});
}

}  // namespace

TEST_CASE("request stream: the response head waits for the first body bytes, then both go in one send",
          "[server]") {
  Pair p;
  auto s = stream_on(p);
  CHECK(s.write(kHead.data(), kHead.size()) == static_cast<ssize_t>(kHead.size()));
  CHECK(p.available().empty());  // held back
  CHECK(s.write("{}", 2) == 2);
  CHECK(p.available() == kHead + "{}");
  CHECK(s.flush());
  CHECK(p.available().empty());  // nothing was left to send
}

TEST_CASE("request stream: a head without a body is sent by flush", "[server]") {
  Pair p;
  auto s = stream_on(p);
  const std::string head = "HTTP/1.1 204 No Content\r\n\r\n";
  s.write(head.data(), head.size());
  CHECK(p.available().empty());
  CHECK(s.flush());
  CHECK(p.available() == head);
}

TEST_CASE("request stream: writes to a client that left fail, and it is no longer writable", "[server]") {
  Pair p;
  auto s = stream_on(p);
  CHECK(s.is_writable());
  ::close(p.client);
  p.client = -1;
  s.write(kHead.data(), kHead.size());  // held: nothing tried yet
  CHECK(s.write("{}", 2) == -1);
  CHECK(s.write_failed());
  CHECK_FALSE(s.is_writable());
  CHECK_FALSE(s.flush());
}
