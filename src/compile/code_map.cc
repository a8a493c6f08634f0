// CodeMap lookups and its LEB128 delta encoding for the artifact cache.
#include "compile/code_map.h"

#include <algorithm>

namespace tern::compile {

namespace {

constexpr uint32_t kMagic = 0x314d4354;  // "TCM1"

class Writer {
 public:
  void u(uint64_t v) {
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      out_.push_back(v ? (b | 0x80) : b);
    } while (v);
  }
  void s(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void str(const std::string& v) {
    u(v.size());
    out_.insert(out_.end(), v.begin(), v.end());
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool ok() const { return ok_; }
  bool atEnd() const { return p_ == end_; }
  uint64_t u() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return bad();
      uint8_t b = *p_++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return bad();
  }
  int64_t s() {
    uint64_t v = u();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  uint32_t u32() {
    uint64_t v = u();
    return v > UINT32_MAX ? static_cast<uint32_t>(bad()) : static_cast<uint32_t>(v);
  }
  // A count of items each at least one byte long: never more than the bytes left.
  uint32_t count() {
    uint32_t n = u32();
    return n > static_cast<size_t>(end_ - p_) ? static_cast<uint32_t>(bad()) : n;
  }
  std::string str() {
    uint32_t n = count();
    if (!ok_) return {};
    std::string v(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return v;
  }
  // Adds a signed delta to a 32-bit running value, refusing results outside uint32_t.
  uint32_t add(uint32_t base, int64_t delta) {
    int64_t v = int64_t(base) + delta;
    return v < 0 || v > int64_t(UINT32_MAX) ? static_cast<uint32_t>(bad())
                                            : static_cast<uint32_t>(v);
  }

 private:
  uint64_t bad() {
    ok_ = false;
    p_ = end_;
    return 0;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace

std::optional<uint32_t> CodeMap::wasmOffset(uint32_t func_index, uint32_t native_offset) const {
  auto f = std::lower_bound(functions.begin(), functions.end(), func_index,
                            [](const FunctionMap& m, uint32_t i) { return m.func_index < i; });
  if (f == functions.end() || f->func_index != func_index) return std::nullopt;
  auto r =
      std::upper_bound(f->rows.begin(), f->rows.end(), native_offset,
                       [](uint32_t off, const AddressRow& row) { return off < row.native_offset; });
  if (r == f->rows.begin()) return std::nullopt;
  uint32_t wasm = std::prev(r)->wasm_offset;
  if (wasm == kNoWasmOffset) return std::nullopt;
  return wasm;
}

std::optional<uint32_t> CodeMap::functionAt(uint32_t wasm_offset) const {
  // Bodies do not overlap and ascend with the function index.
  auto f = std::upper_bound(functions.begin(), functions.end(), wasm_offset,
                            [](uint32_t off, const FunctionMap& m) { return off < m.body_offset; });
  if (f == functions.begin()) return std::nullopt;
  --f;
  if (wasm_offset >= f->body_end) return std::nullopt;
  return f->func_index;
}

std::optional<SourceLocation> CodeMap::sourceAt(uint32_t wasm_offset) const {
  auto r =
      std::upper_bound(source.begin(), source.end(), wasm_offset,
                       [](uint32_t off, const SourceRow& row) { return off < row.wasm_offset; });
  if (r == source.begin()) return std::nullopt;
  --r;
  if (r->file == 0 || r->file > files.size()) return std::nullopt;
  return SourceLocation{files[r->file - 1], r->line};
}

std::vector<AddressRow> compactRows(std::vector<AddressRow> rows) {
  // Several rows at one address: the last one the line table gives wins (it describes the code).
  std::stable_sort(rows.begin(), rows.end(), [](const AddressRow& a, const AddressRow& b) {
    return a.native_offset < b.native_offset;
  });
  std::vector<AddressRow> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + 1 < rows.size() && rows[i + 1].native_offset == rows[i].native_offset) continue;
    if (!out.empty() && out.back().wasm_offset == rows[i].wasm_offset) continue;
    out.push_back(rows[i]);
  }
  return out;
}

std::vector<uint8_t> encodeCodeMap(const CodeMap& map) {
  Writer w;
  w.u(kMagic);
  w.u(map.functions.size());
  uint32_t prev_index = 0;
  for (const auto& f : map.functions) {
    w.u(f.func_index - prev_index);
    prev_index = f.func_index;
    w.u(f.body_offset);
    w.u(f.body_end - f.body_offset);
    w.u(f.rows.size());
    uint32_t native = 0, wasm = f.body_offset;
    for (const auto& r : f.rows) {
      w.u(r.native_offset - native);
      w.s(int64_t(r.wasm_offset) - int64_t(wasm));
      native = r.native_offset;
      wasm = r.wasm_offset;
    }
  }
  w.u(map.files.size());
  for (const auto& f : map.files) w.str(f);
  w.u(map.source.size());
  uint32_t offset = 0, line = 0;
  for (const auto& r : map.source) {
    w.u(r.wasm_offset - offset);
    w.u(r.file);
    w.s(int64_t(r.line) - int64_t(line));
    offset = r.wasm_offset;
    line = r.line;
  }
  return w.take();
}

Result<CodeMap> decodeCodeMap(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  CodeMap map;
  if (r.u() != kMagic) return fail(ErrorCode::kCache, "code map: bad magic");
  map.functions.resize(r.count());
  uint32_t index = 0;
  for (size_t i = 0; i < map.functions.size() && r.ok(); ++i) {
    FunctionMap& f = map.functions[i];
    index = r.add(index, int64_t(r.u32()));
    if (i > 0 && index == map.functions[i - 1].func_index)
      return fail(ErrorCode::kCache, "code map: repeated function");
    f.func_index = index;
    f.body_offset = r.u32();
    f.body_end = r.add(f.body_offset, int64_t(r.u32()));
    f.rows.resize(r.count());
    uint32_t native = 0, wasm = f.body_offset;
    for (auto& row : f.rows) {
      native = r.add(native, int64_t(r.u32()));
      wasm = r.add(wasm, r.s());
      row = AddressRow{native, wasm};
    }
  }
  map.files.resize(r.count());
  for (auto& f : map.files) f = r.str();
  map.source.resize(r.count());
  uint32_t offset = 0, line = 0;
  for (auto& row : map.source) {
    offset = r.add(offset, int64_t(r.u32()));
    uint32_t file = r.u32();
    line = r.add(line, r.s());
    if (file > map.files.size()) return fail(ErrorCode::kCache, "code map: bad file index");
    row = SourceRow{offset, file, line};
  }
  if (!r.ok() || !r.atEnd()) return fail(ErrorCode::kCache, "code map: truncated or corrupt");
  return map;
}

}  // namespace tern::compile
