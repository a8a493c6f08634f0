// Key-value backends: the same behaviour checks against the SQLite file backend and a real
// redis-server started on a loopback port.
#include "host/kv_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/limits.h"

namespace tern::host {
namespace {

namespace fs = std::filesystem;

std::string tempDir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("tern_host_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// The behaviour every backend shares.
void exerciseStore(KvStore& kv) {
  ASSERT_EQ(kv.get("missing").value(), std::nullopt);
  ASSERT_TRUE(kv.set("b", std::string("two\0bytes", 9)).has_value());
  ASSERT_TRUE(kv.set("a", "one").has_value());
  ASSERT_TRUE(kv.set("c", "").has_value());
  EXPECT_EQ(kv.get("b").value(), std::string("two\0bytes", 9));
  EXPECT_EQ(kv.get("c").value(), std::string());
  EXPECT_TRUE(kv.exists("a").value());
  EXPECT_FALSE(kv.exists("zz").value());
  EXPECT_EQ(kv.keys("", 100).value(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(kv.keys("a", 1).value(), (std::vector<std::string>{"b"}));
  ASSERT_TRUE(kv.remove("a").has_value());
  ASSERT_TRUE(kv.remove("a").has_value());  // absent: still success
  EXPECT_FALSE(kv.exists("a").value());

  // Counters: decimal text, shared with get/set.
  EXPECT_EQ(kv.increment("n", 5).value(), 5);
  EXPECT_EQ(kv.increment("n", -7).value(), -2);
  EXPECT_EQ(kv.get("n").value(), "-2");
  auto bad = kv.increment("b", 1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(kv.set("big", std::to_string(INT64_MAX)).has_value());
  EXPECT_FALSE(kv.increment("big", 1).has_value());

  // Compare-and-swap: absent expectation, match, mismatch.
  EXPECT_TRUE(kv.compareAndSwap("cas", std::nullopt, "v1").value());
  EXPECT_FALSE(kv.compareAndSwap("cas", std::nullopt, "v2").value());
  EXPECT_FALSE(kv.compareAndSwap("cas", std::string("nope"), "v2").value());
  EXPECT_TRUE(kv.compareAndSwap("cas", std::string("v1"), "v2").value());
  EXPECT_EQ(kv.get("cas").value(), "v2");

  // Batches.
  std::vector<KeyValue> entries{{"x", "1"}, {"y", "2"}};
  ASSERT_TRUE(kv.setMany(entries).has_value());
  std::vector<std::string> names{"x", "nope", "y"};
  auto many = kv.getMany(names).value();
  ASSERT_EQ(many.size(), 3u);
  EXPECT_EQ(many[0], "1");
  EXPECT_EQ(many[1], std::nullopt);
  EXPECT_EQ(many[2], "2");
  ASSERT_TRUE(kv.removeMany(names).has_value());
  EXPECT_FALSE(kv.exists("x").value());
  EXPECT_TRUE(kv.getMany(std::vector<std::string>{}).value().empty());

  // Limits: errors, never truncation.
  std::string long_key(limits::kMaxKvKeyBytes + 1, 'k');
  EXPECT_EQ(kv.set(long_key, "v").error().code, ErrorCode::kHostLimit);
  EXPECT_EQ(kv.get(long_key).error().code, ErrorCode::kHostLimit);
  std::string big(limits::kMaxKvValueBytes + 1, 'v');
  EXPECT_EQ(kv.set("k", big).error().code, ErrorCode::kHostLimit);
  std::vector<std::string> too_many(limits::kMaxKvBatchKeys + 1, "k");
  EXPECT_EQ(kv.getMany(too_many).error().code, ErrorCode::kHostLimit);
}

void concurrentIncrements(KvStore& kv) {
  constexpr int kThreads = 32, kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!kv.increment("hits", 1)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(kv.get("hits").value(), std::to_string(kThreads * kEach));
}

TEST(SqliteKv, BehavesAsAStore) {
  auto dir = tempDir("kv_basic");
  auto kv = makeSqliteKvStore(dir + "/.spin/kv.db", "default");
  ASSERT_TRUE(kv.has_value()) << kv.error().message;
  exerciseStore(**kv);
  fs::remove_all(dir);
}

TEST(SqliteKv, StoresInOneFileAreSeparate) {
  auto dir = tempDir("kv_separate");
  auto a = makeSqliteKvStore(dir + "/kv.db", "a").value();
  auto b = makeSqliteKvStore(dir + "/kv.db", "b").value();
  ASSERT_TRUE(a->set("k", "from a").has_value());
  EXPECT_EQ(b->get("k").value(), std::nullopt);
  EXPECT_TRUE(b->keys("", 10).value().empty());
  fs::remove_all(dir);
}

TEST(SqliteKv, DurableAcrossReopen) {
  auto dir = tempDir("kv_durable");
  {
    auto kv = makeSqliteKvStore(dir + "/kv.db", "default").value();
    ASSERT_TRUE(kv->set("visits", "41").has_value());
    ASSERT_EQ(kv->increment("visits", 1).value(), 42);
  }
  auto kv = makeSqliteKvStore(dir + "/kv.db", "default").value();
  EXPECT_EQ(kv->get("visits").value(), "42");
  fs::remove_all(dir);
}

TEST(SqliteKv, ConcurrentIncrementsLoseNoUpdate) {
  auto dir = tempDir("kv_concurrent");
  auto kv = makeSqliteKvStore(dir + "/kv.db", "default").value();
  concurrentIncrements(*kv);
  fs::remove_all(dir);
}

// Writers share group-committed transactions; a write that fails (a counter that is not a
// number) is undone alone, never taking its batch-mates with it.
TEST(SqliteKv, FailedWriteInABatchUndoesOnlyItself) {
  auto dir = tempDir("kv_batchfail");
  auto kv = makeSqliteKvStore(dir + "/kv.db", "default").value();
  ASSERT_TRUE(kv->set("text", "not a number").has_value());
  std::vector<std::thread> threads;
  std::atomic<int> bad_ok{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (t % 2) {
          if (kv->increment("text", 1)) ++bad_ok;
        } else {
          ASSERT_TRUE(kv->set("k" + std::to_string(t) + "_" + std::to_string(i), "v").has_value());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad_ok.load(), 0);
  EXPECT_EQ(kv->get("text").value(), "not a number");
  auto keys = kv->keys("", 1000).value();
  EXPECT_EQ(keys.size(), 81u);  // 80 k*_* keys and "text"
  fs::remove_all(dir);
}

TEST(SqliteKv, UnopenablePathIsAnError) {
  auto kv = makeSqliteKvStore("/proc/tern-no-such/kv.db", "default");
  ASSERT_FALSE(kv.has_value());
  EXPECT_EQ(kv.error().code, ErrorCode::kIo);
  EXPECT_NE(kv.error().message.find("/proc/tern-no-such"), std::string::npos);
}

// A redis-server on a free loopback port, stopped (by PID) when the test ends.
class RedisServer {
 public:
  RedisServer() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    close(s);
    std::string port = std::to_string(port_);
    pid_ = fork();
    if (pid_ == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1), dup2(null, 2);
      execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--loglevel", "warning", nullptr);
      _exit(127);
    }
  }
  ~RedisServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  // Waits until the server answers (or gives up after 5 s).
  bool ready(KvStore& kv) {
    for (int i = 0; i < 100; ++i) {
      if (kv.exists("probe")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

bool haveRedisServer() { return system("command -v redis-server >/dev/null 2>&1") == 0; }

TEST(RedisKv, BehavesAsAStore) {
  if (!haveRedisServer()) GTEST_SKIP() << "redis-server not installed (scripts/setup installs it)";
  RedisServer server;
  auto kv = makeRedisKvStore(server.url());
  ASSERT_TRUE(kv.has_value()) << kv.error().message;
  ASSERT_TRUE(server.ready(**kv));
  exerciseStore(**kv);
}

TEST(RedisKv, ConcurrentIncrementsLoseNoUpdate) {
  if (!haveRedisServer()) GTEST_SKIP() << "redis-server not installed (scripts/setup installs it)";
  RedisServer server;
  auto kv = makeRedisKvStore(server.url()).value();
  ASSERT_TRUE(server.ready(*kv));
  concurrentIncrements(*kv);
}

TEST(RedisKv, UnreachableServerIsAnIoError) {
  auto kv = makeRedisKvStore("redis://127.0.0.1:1").value();  // port 1: nothing listens
  auto r = kv->get("k");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
}

TEST(RedisKv, MalformedUrlsAreRejected) {
  for (const char* url : {"http://127.0.0.1", "redis://", "redis://h:port", "redis://h:70000",
                          "redis://[::1", "redis://h:1/db"}) {
    auto kv = makeRedisKvStore(url);
    ASSERT_FALSE(kv.has_value()) << url;
    EXPECT_EQ(kv.error().code, ErrorCode::kHostConfig) << url;
  }
  EXPECT_TRUE(makeRedisKvStore("redis://:secret@[::1]:6380/2").has_value());
}

}  // namespace
}  // namespace tern::host
