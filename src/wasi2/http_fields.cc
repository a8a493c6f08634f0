// wasi:http/types fields (header maps), the method/scheme values, and body streams.
#include <algorithm>
#include <cctype>

#include "wasi2/http_impl.h"

namespace tern::wasi2 {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

namespace http_impl {

Error hostTrap(std::string message) {
  return Error{ErrorCode::kTrap, "wasi:http: " + std::move(message),
               static_cast<int32_t>(vm::TrapKind::kHost)};
}

namespace {
constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                         "CONNECT", "OPTIONS", "TRACE", "PATCH"};
}  // namespace

Val methodVal(std::string_view method) {
  for (uint32_t i = 0; i < std::size(kMethods); ++i) {
    if (kMethods[i] == method) return Val::variant(i);
  }
  return Val::variant(9, Val::string(std::string(method)));
}

Result<std::string> methodText(const Val& v) {
  if (v.disc < std::size(kMethods)) return std::string(kMethods[v.disc]);
  if (v.items.empty()) return std::unexpected(hostTrap("method other() without a payload"));
  return v.items[0].bytes;
}

Val schemeVal(std::string_view scheme) {
  std::string s = lower(scheme);
  if (s == "http") return Val::variant(0);
  if (s == "https") return Val::variant(1);
  return Val::variant(2, Val::string(std::string(scheme)));
}

std::string schemeText(const Val& v) {
  if (v.disc == 0) return "http";
  if (v.disc == 1) return "https";
  return v.items.empty() ? std::string() : v.items[0].bytes;
}

Result<Val> ownFields(HostCall& call, const HttpTypes& t, std::shared_ptr<FieldList> list,
                      bool immutable) {
  HTTP_ASSIGN(uint32_t rep,
              call.resources().add(t.fields, std::make_unique<Fields>(std::move(list), immutable)));
  return Val::own(rep);
}

Val fieldEntries(const FieldList& list) {
  std::vector<Val> items;
  items.reserve(list.size());
  for (const auto& [n, v] : list) items.push_back(Val::tuple({Val::string(n), Val::byteList(v)}));
  return Val::list(std::move(items));
}

namespace {

size_t listBytes(const FieldList& list) {
  size_t n = 0;
  for (const auto& [k, v] : list) n += k.size() + v.size();
  return n;
}

// header-error for a guest edit of `name` (and `values`), or nullopt when it is allowed.
std::optional<uint32_t> editError(const Fields& f, std::string_view name,
                                  const std::vector<std::string_view>& values) {
  if (f.immutable) return kHeaderImmutable;
  if (!validFieldName(name)) return kHeaderInvalidSyntax;
  for (auto v : values) {
    if (!validFieldValue(v)) return kHeaderInvalidSyntax;
  }
  if (forbiddenFieldName(lower(name))) return kHeaderForbidden;
  size_t added = 0;
  for (auto v : values) added += name.size() + v.size();
  if (f.list->size() + values.size() > kMaxFieldsEntries ||
      listBytes(*f.list) + added > kMaxFieldsBytes) {
    return kHeaderInvalidSyntax;
  }
  return std::nullopt;
}

void eraseName(FieldList& list, const std::string& lname) {
  std::erase_if(list, [&](const auto& e) { return e.first == lname; });
}

Result<void> fromList(HostCall& call, const HttpTypes& t, std::span<Val> args,
                      std::span<Val> results) {
  auto list = std::make_shared<FieldList>();
  Fields scratch(list, false);
  for (const Val& entry : args[0].items) {
    if (entry.items.size() != 2) return std::unexpected(hostTrap("from-list: bad entry"));
    const std::string& name = entry.items[0].bytes;
    const std::string& value = entry.items[1].bytes;
    if (auto e = editError(scratch, name, {value})) {
      results[0] = Val::err(Val::variant(*e));
      return {};
    }
    list->emplace_back(lower(name), value);
  }
  HTTP_ASSIGN(Val own, ownFields(call, t, std::move(list), false));
  results[0] = Val::ok(std::move(own));
  return {};
}

// fields.set/delete/append: the edits a guest may make to mutable fields.
void defineFieldEdits(ComponentLinker& l, const HttpTypes& t) {
  l.defineFunc(kTypes, "[method]fields.set",
               [t](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                 HTTP_ASSIGN(Fields * f, object<Fields>(call, t.fields, a[0]));
                 std::vector<std::string_view> values;
                 for (const Val& v : a[2].items) values.push_back(v.bytes);
                 if (auto e = editError(*f, a[1].bytes, values)) {
                   r[0] = Val::err(Val::variant(*e));
                   return {};
                 }
                 std::string name = lower(a[1].bytes);
                 eraseName(*f->list, name);
                 for (auto v : values) f->list->emplace_back(name, std::string(v));
                 r[0] = Val::ok();
                 return {};
               });
  l.defineFunc(kTypes, "[method]fields.delete",
               [t](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                 HTTP_ASSIGN(Fields * f, object<Fields>(call, t.fields, a[0]));
                 if (auto e = editError(*f, a[1].bytes, {})) {
                   r[0] = Val::err(Val::variant(*e));
                   return {};
                 }
                 eraseName(*f->list, lower(a[1].bytes));
                 r[0] = Val::ok();
                 return {};
               });
  l.defineFunc(kTypes, "[method]fields.append",
               [t](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                 HTTP_ASSIGN(Fields * f, object<Fields>(call, t.fields, a[0]));
                 if (auto e = editError(*f, a[1].bytes, {a[2].bytes})) {
                   r[0] = Val::err(Val::variant(*e));
                   return {};
                 }
                 f->list->emplace_back(lower(a[1].bytes), a[2].bytes);
                 r[0] = Val::ok();
                 return {};
               });
}

}  // namespace

void defineFields(ComponentLinker& l, const HttpTypes& t) {
  l.defineFunc(kTypes, "[constructor]fields",
               [t](HostCall& call, std::span<Val>, std::span<Val> r) -> Result<void> {
                 HTTP_ASSIGN(r[0], ownFields(call, t, std::make_shared<FieldList>(), false));
                 return {};
               });
  l.defineFunc(
      kTypes, "[static]fields.from-list",
      [t](HostCall& call, std::span<Val> a, std::span<Val> r) { return fromList(call, t, a, r); });
  l.defineFunc(kTypes, "[method]fields.get",
               [t](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                 HTTP_ASSIGN(Fields * f, object<Fields>(call, t.fields, a[0]));
                 std::string name = lower(a[1].bytes);
                 std::vector<Val> values;
                 for (const auto& [k, v] : *f->list) {
                   if (k == name) values.push_back(Val::byteList(v));
                 }
                 r[0] = Val::list(std::move(values));
                 return {};
               });
  l.defineFunc(kTypes, "[method]fields.has",
               [t](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                 HTTP_ASSIGN(Fields * f, object<Fields>(call, t.fields, a[0]));
                 std::string name = lower(a[1].bytes);
                 r[0] = Val::boolean(std::any_of(f->list->begin(), f->list->end(),
                                                 [&](const auto& e) { return e.first == name; }));
                 return {};
               });
  defineFieldEdits(l, t);
  l.defineFunc(kTypes, "[method]fields.entries",
               [t](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                 HTTP_ASSIGN(Fields * f, object<Fields>(call, t.fields, a[0]));
                 r[0] = fieldEntries(*f->list);
                 return {};
               });
  l.defineFunc(kTypes, "[method]fields.clone",
               [t](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                 HTTP_ASSIGN(Fields * f, object<Fields>(call, t.fields, a[0]));
                 HTTP_ASSIGN(r[0],
                             ownFields(call, t, std::make_shared<FieldList>(*f->list), false));
                 return {};
               });
}

// ---- Body streams ----

namespace {

constexpr uint64_t kBodyChunk = 1u << 20;  // most bytes one read returns / one write may take

class BodyReader final : public InputStream {
 public:
  explicit BodyReader(std::shared_ptr<BodySource> s) : source_(std::move(s)) {}
  StreamStatus read(uint64_t len, bool blocking, std::string& out) override {
    BodySource& s = *source_;
    if (s.offset >= s.bytes.size()) return StreamStatus::closed();
    size_t n =
        static_cast<size_t>(std::min<uint64_t>({len, kBodyChunk, s.bytes.size() - s.offset}));
    out.append(s.bytes, s.offset, n);
    s.offset += n;
    return StreamStatus::ok();
  }
  std::shared_ptr<PollSource> readiness() override { return readySource(); }

 private:
  std::shared_ptr<BodySource> source_;
};

class BodyWriter final : public OutputStream {
 public:
  explicit BodyWriter(std::shared_ptr<BodySink> s) : sink_(std::move(s)) {}
  StreamStatus checkWrite(uint64_t& permitted) override {
    BodySink& s = *sink_;
    if (s.finished) return StreamStatus::closed();
    if (s.too_large || s.bytes.size() >= s.max) return tooLarge();
    permitted = std::min<uint64_t>(kBodyChunk, s.max - s.bytes.size());
    return StreamStatus::ok();
  }
  StreamStatus write(std::string_view data) override {
    BodySink& s = *sink_;
    if (s.finished) return StreamStatus::closed();
    if (s.too_large || data.size() > s.max - s.bytes.size()) return tooLarge();
    s.bytes.append(data);
    return StreamStatus::ok();
  }
  StreamStatus flush(bool) override {
    return sink_->finished ? StreamStatus::closed() : StreamStatus::ok();
  }
  std::shared_ptr<PollSource> readiness() override { return readySource(); }

 private:
  StreamStatus tooLarge() {
    sink_->too_large = true;
    return StreamStatus::failed("HTTP body larger than " + std::to_string(sink_->max) + " bytes");
  }
  std::shared_ptr<BodySink> sink_;
};

}  // namespace

std::unique_ptr<InputStream> makeBodyReader(std::shared_ptr<BodySource> source) {
  return std::make_unique<BodyReader>(std::move(source));
}

std::unique_ptr<OutputStream> makeBodyWriter(std::shared_ptr<BodySink> sink) {
  return std::make_unique<BodyWriter>(std::move(sink));
}

}  // namespace http_impl
}  // namespace tern::wasi2
