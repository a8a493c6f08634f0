// The Redis key-value backend (hiredis): a pool of blocking connections, one per concurrent caller;
// counters by INCRBY, compare-and-swap by a server-side script so it is atomic without WATCH state.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <mutex>

#include "common/limits.h"
#include "host/kv_store.h"

namespace tern::host {
namespace {

struct RedisUrl {
  std::string host;
  int port = 6379;
  std::string password;
  int db = 0;
};

bool parseInt(std::string_view s, int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// redis://[[user]:password@]host[:port][/db]
Result<RedisUrl> parseRedisUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::kHostConfig, "redis url '", url, "': ", why);
  };
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return bad("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisUrl out;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parseInt(db, out.db)) return bad("database must be a number");
    rest = rest.substr(0, slash);
  }
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    size_t colon = auth.find(':');
    out.password = std::string(colon == std::string_view::npos ? auth : auth.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  if (rest.starts_with('[')) {  // [::1]:6379
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated [");
    out.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty() && (!rest.starts_with(':') || !parseInt(rest.substr(1), out.port))) {
      return bad("bad port");
    }
  } else {
    size_t colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos && !parseInt(rest.substr(colon + 1), out.port)) {
      return bad("bad port");
    }
  }
  if (out.host.empty()) return bad("no host");
  if (out.port <= 0 || out.port > 65535) return bad("bad port");
  return out;
}

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

constexpr const char* kCasScript =
    "local cur = redis.call('GET', KEYS[1]) "
    "if ARGV[1] == '0' then if cur then return 0 end "
    "elseif cur ~= ARGV[2] then return 0 end "
    "redis.call('SET', KEYS[1], ARGV[3]) return 1";

class RedisKvStore final : public KvStore {
 public:
  explicit RedisKvStore(RedisUrl url) : url_(std::move(url)) {}

  Result<std::optional<std::string>> get(std::string_view key) override;
  Result<void> set(std::string_view key, std::string_view value) override;
  Result<void> remove(std::string_view key) override;
  Result<bool> exists(std::string_view key) override;
  Result<std::vector<std::string>> keys(std::string_view after, size_t limit) override;
  Result<int64_t> increment(std::string_view key, int64_t delta) override;
  Result<bool> compareAndSwap(std::string_view key, const std::optional<std::string>& expected,
                              std::string_view value) override;
  Result<std::vector<std::optional<std::string>>> getMany(
      std::span<const std::string> keys) override;
  Result<void> setMany(std::span<const KeyValue> entries) override;
  Result<void> removeMany(std::span<const std::string> keys) override;

 private:
  Result<ContextPtr> connect();
  // Runs one command on a pooled connection; an error reply is kIo (or kInvalidArgument for
  // "not an integer" style replies); a broken connection is dropped.
  Result<ReplyPtr> command(std::span<const std::string_view> argv);
  Result<ReplyPtr> command(std::initializer_list<std::string_view> argv) {
    return command(std::span<const std::string_view>(argv.begin(), argv.size()));
  }

  RedisUrl url_;
  std::mutex mu_;
  std::vector<ContextPtr> idle_;
};

Result<ContextPtr> RedisKvStore::connect() {
  timeval tv{5, 0};
  ContextPtr c(redisConnectWithTimeout(url_.host.c_str(), url_.port, tv));
  if (!c) return fail(ErrorCode::kIo, "redis: out of memory");
  if (c->err) {
    return fail(ErrorCode::kIo, "redis ", url_.host, ":", std::to_string(url_.port), ": ",
                c->errstr);
  }
  redisSetTimeout(c.get(), tv);
  auto run = [&](std::vector<std::string> args) -> Result<void> {
    std::vector<const char*> p;
    std::vector<size_t> n;
    for (auto& a : args) p.push_back(a.data()), n.push_back(a.size());
    ReplyPtr r(static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(p.size()), p.data(), n.data())));
    if (!r) return fail(ErrorCode::kIo, "redis: ", c->errstr);
    if (r->type == REDIS_REPLY_ERROR) return fail(ErrorCode::kIo, "redis: ", r->str);
    return {};
  };
  if (!url_.password.empty()) TERN_TRY(run({"AUTH", url_.password}));
  if (url_.db != 0) TERN_TRY(run({"SELECT", std::to_string(url_.db)}));
  return c;
}

Result<ReplyPtr> RedisKvStore::command(std::span<const std::string_view> argv) {
  ContextPtr c;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) c = std::move(idle_.back()), idle_.pop_back();
  }
  if (!c) {
    auto made = connect();
    if (!made) return fail(made.error());
    c = std::move(*made);
  }
  std::vector<const char*> p;
  std::vector<size_t> n;
  p.reserve(argv.size()), n.reserve(argv.size());
  for (auto a : argv) p.push_back(a.data()), n.push_back(a.size());
  ReplyPtr r(static_cast<redisReply*>(
      redisCommandArgv(c.get(), static_cast<int>(p.size()), p.data(), n.data())));
  if (!r) return fail(ErrorCode::kIo, "redis: ", c->err ? c->errstr : "no reply");
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
  }
  if (r->type == REDIS_REPLY_ERROR) {
    std::string msg(r->str, r->len);
    bool caller = msg.find("not an integer") != std::string::npos ||
                  msg.find("overflow") != std::string::npos;
    return fail(caller ? ErrorCode::kInvalidArgument : ErrorCode::kIo, "redis: ", msg);
  }
  return r;
}

Result<std::optional<std::string>> RedisKvStore::get(std::string_view key) {
  TERN_TRY(checkKey(key));
  auto r = command({"GET", key});
  if (!r) return fail(r.error());
  if ((*r)->type == REDIS_REPLY_NIL) return std::optional<std::string>();
  return std::optional<std::string>(std::string((*r)->str, (*r)->len));
}

Result<void> RedisKvStore::set(std::string_view key, std::string_view value) {
  TERN_TRY(checkKey(key));
  TERN_TRY(checkValue(value));
  TERN_TRY(command({"SET", key, value}));
  return {};
}

Result<void> RedisKvStore::remove(std::string_view key) {
  TERN_TRY(checkKey(key));
  TERN_TRY(command({"DEL", key}));
  return {};
}

Result<bool> RedisKvStore::exists(std::string_view key) {
  TERN_TRY(checkKey(key));
  auto r = command({"EXISTS", key});
  if (!r) return fail(r.error());
  return (*r)->integer > 0;
}

Result<std::vector<std::string>> RedisKvStore::keys(std::string_view after, size_t limit) {
  // SCAN is unordered: collect (bounded), sort, then page, so cursors are plain keys as on SQLite.
  std::vector<std::string> all;
  std::string cursor = "0";
  do {
    auto r = command({"SCAN", cursor, "COUNT", "1000"});
    if (!r) return fail(r.error());
    redisReply* rep = r->get();
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
      return fail(ErrorCode::kIo, "redis: unexpected SCAN reply");
    }
    cursor.assign(rep->element[0]->str, rep->element[0]->len);
    for (size_t i = 0; i < rep->element[1]->elements; ++i) {
      const redisReply* k = rep->element[1]->element[i];
      std::string key(k->str, k->len);
      if (key > after || after.empty()) all.push_back(std::move(key));
    }
    if (all.size() > limits::kMaxKvListedKeys) {
      return fail(ErrorCode::kHostLimit, "store holds more than ",
                  std::to_string(limits::kMaxKvListedKeys), " keys");
    }
  } while (cursor != "0");
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());  // SCAN may repeat a key
  if (all.size() > limit) all.resize(limit);
  return all;
}

Result<int64_t> RedisKvStore::increment(std::string_view key, int64_t delta) {
  TERN_TRY(checkKey(key));
  auto r = command({"INCRBY", key, std::to_string(delta)});
  if (!r) return fail(r.error());
  return static_cast<int64_t>((*r)->integer);
}

Result<bool> RedisKvStore::compareAndSwap(std::string_view key,
                                          const std::optional<std::string>& expected,
                                          std::string_view value) {
  TERN_TRY(checkKey(key));
  TERN_TRY(checkValue(value));
  auto r = command({"EVAL", kCasScript, "1", key, expected ? "1" : "0",
                    expected ? std::string_view(*expected) : std::string_view(), value});
  if (!r) return fail(r.error());
  return (*r)->integer == 1;
}

Result<std::vector<std::optional<std::string>>> RedisKvStore::getMany(
    std::span<const std::string> keys) {
  TERN_TRY(checkBatch(keys.size()));
  std::vector<std::optional<std::string>> out;
  if (keys.empty()) return out;
  std::vector<std::string_view> argv{"MGET"};
  for (const auto& k : keys) {
    TERN_TRY(checkKey(k));
    argv.push_back(k);
  }
  auto r = command(argv);
  if (!r) return fail(r.error());
  if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != keys.size()) {
    return fail(ErrorCode::kIo, "redis: unexpected MGET reply");
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    const redisReply* e = (*r)->element[i];
    if (e->type == REDIS_REPLY_NIL) {
      out.emplace_back();
    } else {
      out.emplace_back(std::string(e->str, e->len));
    }
  }
  return out;
}

Result<void> RedisKvStore::setMany(std::span<const KeyValue> entries) {
  TERN_TRY(checkBatch(entries.size()));
  if (entries.empty()) return {};
  std::vector<std::string_view> argv{"MSET"};
  for (const auto& [k, v] : entries) {
    TERN_TRY(checkKey(k));
    TERN_TRY(checkValue(v));
    argv.push_back(k), argv.push_back(v);
  }
  TERN_TRY(command(argv));
  return {};
}

Result<void> RedisKvStore::removeMany(std::span<const std::string> keys) {
  TERN_TRY(checkBatch(keys.size()));
  if (keys.empty()) return {};
  std::vector<std::string_view> argv{"DEL"};
  for (const auto& k : keys) {
    TERN_TRY(checkKey(k));
    argv.push_back(k);
  }
  TERN_TRY(command(argv));
  return {};
}

}  // namespace

Result<std::shared_ptr<KvStore>> makeRedisKvStore(const std::string& url) {
  auto parsed = parseRedisUrl(url);
  if (!parsed) return fail(parsed.error());
  return std::make_shared<RedisKvStore>(std::move(*parsed));
}

}  // namespace tern::host
