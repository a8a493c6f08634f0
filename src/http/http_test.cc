// Unit tests for the HTTP wire stage: request targets, and the server against a native (no Wasm)
// handler (keep-alive, pipelining, limits, timeouts, shutdown).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "http/server.h"

namespace tern::http {
namespace {

TEST(Request, SplitsTargets) {
  Request r;
  r.setTarget("/a/b?x=1&y");
  EXPECT_EQ(r.path, "/a/b");
  EXPECT_EQ(r.query, "x=1&y");
  r.setTarget("http://example.test:3000/c?q");
  EXPECT_EQ(r.path, "/c");
  EXPECT_EQ(r.query, "q");
  EXPECT_EQ(r.target, "/c?q");
  r.setTarget("http://example.test?z");
  EXPECT_EQ(r.path, "/");
  EXPECT_EQ(r.query, "z");
  r.setTarget("/plain");
  EXPECT_EQ(r.query, "");
  EXPECT_EQ(r.target, "/plain");
}

// ---- The server against a native handler, over a real loopback socket. ----

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.handle_signals = false;
    o.max_header_bytes = 2048;
    o.max_body_bytes = 1024;
    o.header_timeout = std::chrono::milliseconds(300);
    o.idle_timeout = std::chrono::milliseconds(300);
    auto s = Server::create(o, [](Request& req) {
      return Response::text(200, req.method + " " + req.target + " " + req.body);
    });
    ASSERT_TRUE(s) << s.error().toString();
    server_ = std::move(*s);
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->shutdown();
    thread_.join();
  }

  int connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server_->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  // Sends `data`, then reads until `responses` responses (each with Content-Length) arrived.
  static std::string exchange(int fd, const std::string& data, size_t responses) {
    EXPECT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
    std::string got;
    char buf[4096];
    while (true) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, n);
      size_t seen = 0;
      for (size_t p = 0; (p = got.find("HTTP/1.1 ", p)) != std::string::npos; ++p) ++seen;
      if (seen >= responses && got.rfind("\r\n\r\n") != std::string::npos) {
        size_t head = got.rfind("HTTP/1.1 ");
        size_t cl = got.find("Content-Length: ", head);
        size_t end = got.find("\r\n\r\n", head);
        if (cl != std::string::npos && end != std::string::npos) {
          size_t len = std::stoul(got.substr(cl + 16));
          if (got.size() >= end + 4 + len) break;
        }
      }
    }
    return got;
  }

  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, KeepAliveAndPipelining) {
  int fd = connect();
  std::string got = exchange(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 200 OK"), std::string::npos) << got;
  EXPECT_NE(got.find("GET /a "), std::string::npos);
  got = exchange(fd,
                 "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                 "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                 2);
  size_t b = got.find("GET /b ");
  size_t c = got.find("POST /c abcde");
  EXPECT_NE(b, std::string::npos) << got;
  EXPECT_NE(c, std::string::npos) << got;
  EXPECT_LT(b, c);
  close(fd);
}

TEST_F(ServerTest, Limits) {
  int fd = connect();
  std::string big(4096, 'x');
  std::string got = exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 431"), std::string::npos) << got;
  close(fd);
  fd = connect();
  got = exchange(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 413"), std::string::npos) << got;
  close(fd);
}

TEST_F(ServerTest, HeaderAndIdleTimeouts) {
  int fd = connect();
  auto start = std::chrono::steady_clock::now();
  std::string got = exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n", 1);  // header never ends
  EXPECT_EQ(got, "");  // closed by the header timeout
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  close(fd);
  fd = connect();
  got = exchange(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  char c;
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // the idle keep-alive connection is closed
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  close(fd);
}

TEST_F(ServerTest, ShutdownClosesIdleConnections) {
  int fd = connect();
  std::string got = exchange(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos);
  server_->shutdown();
  thread_.join();
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);
  close(fd);
  thread_ = std::thread([] {});  // TearDown joins it
}

}  // namespace
}  // namespace tern::http
