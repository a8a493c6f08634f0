// ModuleInfo helpers and its byte serialisation for the artifact cache.
#include "compile/module_info.h"

#include <cstring>

namespace tern::compile {

const char* valTypeName(ValType type) {
  switch (type) {
    case ValType::kI32: return "i32";
    case ValType::kI64: return "i64";
    case ValType::kF32: return "f32";
    case ValType::kF64: return "f64";
    case ValType::kV128: return "v128";
    case ValType::kFuncRef: return "funcref";
    case ValType::kExternRef: return "externref";
  }
  return "?";
}

const char* externKindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc: return "func";
    case ExternKind::kTable: return "table";
    case ExternKind::kMemory: return "memory";
    case ExternKind::kGlobal: return "global";
  }
  return "?";
}

std::string FuncType::toString() const {
  auto list = [](const std::vector<ValType>& ts) {
    std::string s = "(";
    for (size_t i = 0; i < ts.size(); ++i) {
      if (i) s += ", ";
      s += valTypeName(ts[i]);
    }
    return s + ")";
  };
  return list(params) + " -> " + list(results);
}

const Export* ModuleInfo::findExport(std::string_view name) const {
  for (const auto& e : exports) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

namespace {

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void raw(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  void bytes(const std::vector<uint8_t>& v) {
    u32(static_cast<uint32_t>(v.size()));
    raw(v.data(), v.size());
  }
  void types(const std::vector<ValType>& ts) {
    u32(static_cast<uint32_t>(ts.size()));
    for (auto t : ts) u8(static_cast<uint8_t>(t));
  }
  void limits(const Limits& l) {
    u64(l.min);
    u8(l.max.has_value());
    u64(l.max.value_or(0));
  }
  void constExpr(const ConstExpr& c) {
    u8(static_cast<uint8_t>(c.kind));
    u8(static_cast<uint8_t>(c.type));
    raw(c.bytes, 16);
    u32(c.index);
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool ok() const { return ok_; }
  uint8_t u8() {
    uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, 4);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, 8);
    return v;
  }
  void raw(void* dst, size_t n) {
    if (!ok_ || static_cast<size_t>(end_ - p_) < n) {
      ok_ = false;
      return;
    }
    std::memcpy(dst, p_, n);
    p_ += n;
  }
  // A count of items each at least `min_item` bytes; refuses counts the input cannot hold.
  uint32_t count(size_t min_item) {
    uint32_t n = u32();
    if (!ok_ || (min_item && n > static_cast<size_t>(end_ - p_) / min_item)) {
      ok_ = false;
      return 0;
    }
    return n;
  }
  std::string str() {
    uint32_t n = count(1);
    std::string s(n, '\0');
    raw(s.data(), n);
    return s;
  }
  std::vector<uint8_t> bytes() {
    uint32_t n = count(1);
    std::vector<uint8_t> v(n);
    raw(v.data(), n);
    return v;
  }
  ValType valType() {
    uint8_t t = u8();
    if (t > static_cast<uint8_t>(ValType::kExternRef)) ok_ = false;
    return static_cast<ValType>(t);
  }
  std::vector<ValType> types() {
    uint32_t n = count(1);
    std::vector<ValType> ts(n);
    for (auto& t : ts) t = valType();
    return ts;
  }
  Limits limits() {
    Limits l;
    l.min = u64();
    bool has = u8();
    uint64_t max = u64();
    if (has) l.max = max;
    return l;
  }
  ConstExpr constExpr() {
    ConstExpr c;
    uint8_t kind = u8();
    if (kind > static_cast<uint8_t>(ConstExpr::Kind::kGlobalGet)) ok_ = false;
    c.kind = static_cast<ConstExpr::Kind>(kind);
    c.type = valType();
    raw(c.bytes, 16);
    c.index = u32();
    return c;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace

std::vector<uint8_t> serialize(const ModuleInfo& m) {
  Writer w;
  w.u32(static_cast<uint32_t>(m.types.size()));
  for (const auto& t : m.types) {
    w.types(t.params);
    w.types(t.results);
  }
  w.u32(static_cast<uint32_t>(m.imports.size()));
  for (const auto& i : m.imports) {
    w.str(i.module);
    w.str(i.name);
    w.u8(static_cast<uint8_t>(i.kind));
    w.u32(i.index);
  }
  w.u32(static_cast<uint32_t>(m.exports.size()));
  for (const auto& e : m.exports) {
    w.str(e.name);
    w.u8(static_cast<uint8_t>(e.kind));
    w.u32(e.index);
  }
  w.u32(static_cast<uint32_t>(m.func_types.size()));
  for (auto t : m.func_types) w.u32(t);
  w.u32(static_cast<uint32_t>(m.tables.size()));
  for (const auto& t : m.tables) {
    w.u8(static_cast<uint8_t>(t.element));
    w.limits(t.limits);
  }
  w.u32(static_cast<uint32_t>(m.memories.size()));
  for (const auto& l : m.memories) w.limits(l);
  w.u32(static_cast<uint32_t>(m.globals.size()));
  for (const auto& g : m.globals) {
    w.u8(static_cast<uint8_t>(g.type));
    w.u8(g.is_mutable);
  }
  w.u32(static_cast<uint32_t>(m.global_inits.size()));
  for (const auto& c : m.global_inits) w.constExpr(c);
  w.u32(m.num_imported_funcs);
  w.u32(m.num_imported_tables);
  w.u32(m.num_imported_memories);
  w.u32(m.num_imported_globals);
  w.u8(m.start.has_value());
  w.u32(m.start.value_or(0));
  w.u32(static_cast<uint32_t>(m.elems.size()));
  for (const auto& s : m.elems) {
    w.u8(static_cast<uint8_t>(s.mode));
    w.u8(static_cast<uint8_t>(s.type));
    w.u32(s.table);
    w.constExpr(s.offset);
    w.u32(static_cast<uint32_t>(s.items.size()));
    for (const auto& c : s.items) w.constExpr(c);
  }
  w.u32(static_cast<uint32_t>(m.datas.size()));
  for (const auto& d : m.datas) {
    w.u8(static_cast<uint8_t>(d.mode));
    w.u32(d.memory);
    w.constExpr(d.offset);
    w.bytes(d.bytes);
  }
  w.u32(static_cast<uint32_t>(m.func_names.size()));
  for (const auto& n : m.func_names) w.str(n);
  return w.take();
}

Result<ModuleInfo> deserializeModuleInfo(const uint8_t* data, size_t size) {
  Reader r(data, size);
  ModuleInfo m;
  m.types.resize(r.count(8));
  for (auto& t : m.types) {
    t.params = r.types();
    t.results = r.types();
  }
  m.imports.resize(r.count(13));
  for (auto& i : m.imports) {
    i.module = r.str();
    i.name = r.str();
    i.kind = static_cast<ExternKind>(r.u8() & 3);
    i.index = r.u32();
  }
  m.exports.resize(r.count(9));
  for (auto& e : m.exports) {
    e.name = r.str();
    e.kind = static_cast<ExternKind>(r.u8() & 3);
    e.index = r.u32();
  }
  m.func_types.resize(r.count(4));
  for (auto& t : m.func_types) t = r.u32();
  m.tables.resize(r.count(18));
  for (auto& t : m.tables) {
    t.element = r.valType();
    t.limits = r.limits();
  }
  m.memories.resize(r.count(17));
  for (auto& l : m.memories) l = r.limits();
  m.globals.resize(r.count(2));
  for (auto& g : m.globals) {
    g.type = r.valType();
    g.is_mutable = r.u8() != 0;
  }
  m.global_inits.resize(r.count(22));
  for (auto& c : m.global_inits) c = r.constExpr();
  m.num_imported_funcs = r.u32();
  m.num_imported_tables = r.u32();
  m.num_imported_memories = r.u32();
  m.num_imported_globals = r.u32();
  bool has_start = r.u8() != 0;
  uint32_t start = r.u32();
  if (has_start) m.start = start;
  m.elems.resize(r.count(32));
  for (auto& s : m.elems) {
    s.mode = static_cast<SegmentMode>(r.u8() % 3);
    s.type = r.valType();
    s.table = r.u32();
    s.offset = r.constExpr();
    s.items.resize(r.count(22));
    for (auto& c : s.items) c = r.constExpr();
  }
  m.datas.resize(r.count(31));
  for (auto& d : m.datas) {
    d.mode = static_cast<SegmentMode>(r.u8() % 3);
    d.memory = r.u32();
    d.offset = r.constExpr();
    d.bytes = r.bytes();
  }
  m.func_names.resize(r.count(4));
  for (auto& n : m.func_names) n = r.str();
  if (!r.ok()) return fail(ErrorCode::kCache, "module metadata is truncated or corrupt");
  // Cross-check indices so a corrupt artifact can never index out of range later.
  for (auto t : m.func_types) {
    if (t >= m.types.size()) return fail(ErrorCode::kCache, "module metadata is inconsistent");
  }
  if (m.num_imported_funcs > m.func_types.size() || m.num_imported_globals > m.globals.size() ||
      m.global_inits.size() != m.globals.size() - m.num_imported_globals ||
      m.func_names.size() != m.func_types.size()) {
    return fail(ErrorCode::kCache, "module metadata is inconsistent");
  }
  return m;
}

}  // namespace tern::compile
