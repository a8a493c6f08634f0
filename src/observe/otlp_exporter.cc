// Batching OTLP/HTTP JSON exporter: a bounded queue drained by one libcurl thread (libcurl is
// dlopen'ed through host/curl_api.h when an exporter is created, not linked into tern).
#include "observe/otlp_exporter.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "host/curl_api.h"

namespace tern::observe {
namespace {

// A bump allocator for one batch's JSON tree: building the tree is mostly small allocations
// (map nodes, key strings), all freed together after dump(), so they are carved from a few large
// blocks and released at once. Only used on the exporter thread, through ArenaScope.
class Arena {
 public:
  void* allocate(size_t n, size_t align) {
    if (n + align > kBlock / 4) {  // a large array: a block of its own
      large_.emplace_back(new char[n + align]);  // uninitialised, as from operator new
      return alignUp(large_.back().get(), align);
    }
    size_t offset = (used_ + align - 1) & ~(align - 1);
    if (blocks_.empty() || offset + n > kBlock) {
      blocks_.emplace_back(new char[kBlock]);
      offset = 0;
    }
    used_ = offset + n;
    return blocks_.back().get() + offset;
  }

 private:
  static constexpr size_t kBlock = 1 << 20;
  static void* alignUp(char* p, size_t align) {
    auto v = reinterpret_cast<uintptr_t>(p);
    return reinterpret_cast<void*>((v + align - 1) & ~(uintptr_t{align} - 1));
  }
  std::vector<std::unique_ptr<char[]>> blocks_, large_;
  size_t used_ = 0;
};

thread_local Arena* t_arena = nullptr;  // set only by ArenaScope (saved and restored)

struct ArenaScope {
  explicit ArenaScope(Arena& a) : previous(t_arena) { t_arena = &a; }
  ~ArenaScope() { t_arena = previous; }
  Arena* previous;
};

template <class T>
struct ArenaAllocator {
  using value_type = T;
  ArenaAllocator() = default;
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(t_arena->allocate(n * sizeof(T), alignof(T))); }
  void deallocate(T*, size_t) {}  // freed with the arena
  template <class U>
  bool operator==(const ArenaAllocator<U>&) const { return true; }
};

using ArenaString = std::basic_string<char, std::char_traits<char>, ArenaAllocator<char>>;
using json = nlohmann::basic_json<std::map, std::vector, ArenaString, bool, std::int64_t,
                                  std::uint64_t, double, ArenaAllocator>;

json attribute(const std::string& key, const AttributeValue& v) {
  json value(json::value_t::object);
  if (const auto* s = std::get_if<std::string>(&v)) {
    value["stringValue"] = ArenaString(s->data(), s->size());
  } else {
    value["intValue"] = ArenaString(std::to_string(std::get<int64_t>(v)));  // int64 as a string
  }
  json a(json::value_t::object);
  a["key"] = ArenaString(key.data(), key.size());
  a["value"] = std::move(value);
  return a;
}

json spanJson(const SpanData& s) {
  json j(json::value_t::object);
  auto str = [](const std::string& x) { return ArenaString(x.data(), x.size()); };
  j["traceId"] = str(hex(s.trace_id));
  j["spanId"] = str(hex(s.span_id));
  j["name"] = str(s.name);
  j["kind"] = static_cast<int>(s.kind);
  j["startTimeUnixNano"] = str(std::to_string(s.start_unix_ns));
  j["endTimeUnixNano"] = str(std::to_string(s.end_unix_ns));
  bool root = true;
  for (uint8_t b : s.parent_span_id) root = root && b == 0;
  if (!root) j["parentSpanId"] = str(hex(s.parent_span_id));
  json attrs = json::array();
  attrs.get_ref<json::array_t&>().reserve(s.attributes.size());
  for (const auto& [k, v] : s.attributes) attrs.push_back(attribute(k, v));
  j["attributes"] = std::move(attrs);
  if (s.error) {
    j["status"] = {{"code", 2}, {"message", str(s.status_message)}};  // STATUS_CODE_ERROR
  } else {
    j["status"] = json::object();  // STATUS_CODE_UNSET
  }
  return j;
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

std::string toJsonIn(std::span<const SpanData> spans, const ExporterOptions& options);

int64_t steadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// libcurl's progress callback: a non-zero return aborts the transfer (past the shutdown deadline).
int progress(void* deadline, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  int64_t d = static_cast<std::atomic<int64_t>*>(deadline)->load(std::memory_order_relaxed);
  return d != 0 && steadyNanos() > d ? 1 : 0;
}

}  // namespace

std::string OtlpExporter::toJson(std::span<const SpanData> spans, const ExporterOptions& options) {
  Arena arena;
  ArenaScope scope(arena);
  return toJsonIn(spans, options);
}

namespace {

std::string toJsonIn(std::span<const SpanData> spans, const ExporterOptions& options) {
  json resource = json::array();
  for (const auto& [k, v] : options.resource) resource.push_back(attribute(k, v));
  json list = json::array();
  list.get_ref<json::array_t&>().reserve(spans.size());
  for (const SpanData& s : spans) list.push_back(spanJson(s));
  json body = {
      {"resourceSpans",
       json::array({{{"resource", {{"attributes", std::move(resource)}}},
                     {"scopeSpans",
                      json::array({{{"scope", {{"name", "tern"}}}, {"spans", std::move(list)}}})}}})}};
  // Guest-influenced strings (paths) may hold invalid UTF-8: replace, never throw.
  ArenaString out = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return std::string(out.data(), out.size());
}

}  // namespace

OtlpExporter::OtlpExporter(ExporterOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<OtlpExporter>> OtlpExporter::create(ExporterOptions options) {
  if (!options.endpoint.starts_with("http://") && !options.endpoint.starts_with("https://")) {
    return fail(ErrorCode::kInvalidArgument, "OTLP endpoint '", options.endpoint,
                "' is not an http:// or https:// URL");
  }
  const char* why = nullptr;
  const host::CurlApi* curl = host::curlApi(&why);  // loads libcurl once, globally initialised
  if (!curl) return fail(ErrorCode::kIo, "OTLP exporter: ", why);
  if (options.max_batch == 0) options.max_batch = 1;
  std::unique_ptr<OtlpExporter> e(new OtlpExporter(std::move(options)));
  e->api_ = curl;
  e->curl_ = curl->easy_init();
  if (!e->curl_) return fail(ErrorCode::kIo, "libcurl: cannot create a handle");
  e->queue_.reserve(e->options_.max_queue);
  e->thread_ = std::thread([raw = e.get()] { raw->loop(); });
  return e;
}

OtlpExporter::~OtlpExporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  // A hung collector may hold the thread in a POST: give the final flush kShutdownFlush at most.
  abort_after_ns_.store(steadyNanos() + std::chrono::nanoseconds(kShutdownFlush).count(),
                        std::memory_order_relaxed);
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (curl_) api_->easy_cleanup(static_cast<CURL*>(curl_));
}

void OtlpExporter::enqueue(std::vector<SpanData>&& spans) {
  size_t dropped = 0;
  bool full_batch = false;
  {
    std::lock_guard lock(mutex_);
    for (SpanData& s : spans) {
      if (queue_.size() >= options_.max_queue) {
        ++dropped;
        continue;
      }
      queue_.push_back(std::move(s));
    }
    full_batch = queue_.size() >= options_.max_batch;
  }
  if (dropped) dropped_full_.fetch_add(dropped, std::memory_order_relaxed);
  if (full_batch) wake_.notify_one();
}

OtlpExporter::Stats OtlpExporter::stats() const {
  Stats s;
  s.exported = exported_.load(std::memory_order_relaxed);
  s.dropped_queue_full = dropped_full_.load(std::memory_order_relaxed);
  s.dropped_export_failed = dropped_failed_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  s.queued = queue_.size();
  return s;
}

void OtlpExporter::loop() {
  // Serialising spans must not take CPU from requests: at nice 19 the thread runs on what the
  // request threads leave; when it falls behind, the bounded queue drops (and counts) spans.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, options_.schedule_delay,
                   [&] { return stopping_ || queue_.size() >= options_.max_batch; });
    bool stop = stopping_;
    while (!queue_.empty()) {
      size_t n = std::min(queue_.size(), options_.max_batch);
      std::vector<SpanData> batch(std::make_move_iterator(queue_.begin()),
                                  std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
      lock.unlock();  // the network is never touched under the lock
      bool ok = post(toJson(batch, options_));
      (ok ? exported_ : dropped_failed_).fetch_add(n, std::memory_order_relaxed);
      lock.lock();
      if (!ok && stop) {  // shutting down with the collector gone: drop the rest
        dropped_failed_.fetch_add(queue_.size(), std::memory_order_relaxed);
        queue_.clear();
      }
      if (!stop && queue_.size() < options_.max_batch) break;
    }
    if (stop) return;
  }
}

bool OtlpExporter::post(const std::string& body) {
  CURL* c = static_cast<CURL*>(curl_);
  const host::CurlApi& api = *api_;
  curl_slist* headers = api.slist_append(nullptr, "Content-Type: application/json");
  for (const auto& [k, v] : options_.headers) {
    headers = api.slist_append(headers, (k + ": " + v).c_str());
  }
  api.easy_setopt(c, CURLOPT_URL, options_.endpoint.c_str());
  api.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  api.easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  api.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  api.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a multi-threaded server
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  api.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  api.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
  api.easy_setopt(c, CURLOPT_XFERINFODATA, &abort_after_ns_);
  CURLcode rc = api.easy_perform(c);
  long status = 0;
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  api.slist_free_all(headers);
  return rc == CURLE_OK && status >= 200 && status < 300;
}

}  // namespace tern::observe
