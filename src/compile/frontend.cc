// Decodes with wabt's binary reader and validator, then lowers wabt's IR module metadata into
// Tern's ModuleInfo.
#include "compile/frontend.h"

#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/error.h>
#include <wabt/feature.h>
#include <wabt/cast.h>
#include <wabt/ir.h>
#include <wabt/leb128.h>
#include <wabt/validator.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/limits.h"

namespace tern::compile {

DecodedModule::DecodedModule() = default;
DecodedModule::~DecodedModule() = default;
DecodedModule::DecodedModule(DecodedModule&&) noexcept = default;
DecodedModule& DecodedModule::operator=(DecodedModule&&) noexcept = default;

namespace {

std::string formatErrors(const wabt::Errors& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    char buf[32];
    std::snprintf(buf, sizeof buf, "at 0x%zx: ", e.loc.offset);
    if (e.loc.offset != size_t(-1)) out += buf;
    out += e.message;
    if (out.size() > 2000) break;
  }
  return out.empty() ? "unknown error" : out;
}

Result<ValType> lowerType(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32: return ValType::kI32;
    case wabt::Type::I64: return ValType::kI64;
    case wabt::Type::F32: return ValType::kF32;
    case wabt::Type::F64: return ValType::kF64;
    case wabt::Type::V128: return ValType::kV128;
    case wabt::Type::FuncRef: return ValType::kFuncRef;
    case wabt::Type::ExternRef: return ValType::kExternRef;
    default: return fail(ErrorCode::kUnsupported, "value type ", t.GetName());
  }
}

Result<std::vector<ValType>> lowerTypes(const wabt::TypeVector& types) {
  std::vector<ValType> out;
  out.reserve(types.size());
  for (auto t : types) {
    auto v = lowerType(t);
    if (!v) return fail(v.error());
    out.push_back(*v);
  }
  return out;
}

Limits lowerLimits(const wabt::Limits& l) {
  Limits out;
  out.min = l.initial;
  if (l.has_max) out.max = l.max;
  return out;
}

Result<ConstExpr> lowerConstExpr(const wabt::ExprList& list, ValType expected) {
  if (list.size() != 1) return fail(ErrorCode::kInvalid, "constant expression required");
  const wabt::Expr& e = list.front();
  ConstExpr out;
  out.type = expected;
  switch (e.type()) {
    case wabt::ExprType::Const: {
      const auto& c = wabt::cast<wabt::ConstExpr>(&e)->const_;
      out.kind = ConstExpr::Kind::kValue;
      ::v128 bits = c.vec128();
      std::memcpy(out.bytes, &bits, 16);
      if (c.type() == wabt::Type::I32 || c.type() == wabt::Type::F32) {
        std::memset(out.bytes + 4, 0, 12);
      } else if (c.type() == wabt::Type::I64 || c.type() == wabt::Type::F64) {
        std::memset(out.bytes + 8, 0, 8);
      }
      return out;
    }
    case wabt::ExprType::RefNull:
      out.kind = ConstExpr::Kind::kRefNull;
      return out;
    case wabt::ExprType::RefFunc:
      out.kind = ConstExpr::Kind::kRefFunc;
      out.index = wabt::cast<wabt::RefFuncExpr>(&e)->var.index();
      return out;
    case wabt::ExprType::GlobalGet:
      out.kind = ConstExpr::Kind::kGlobalGet;
      out.index = wabt::cast<wabt::GlobalGetExpr>(&e)->var.index();
      return out;
    default:
      return fail(ErrorCode::kInvalid, "constant expression required");
  }
}

Result<ModuleInfo> lowerModule(const wabt::Module& m) {
  ModuleInfo info;
  for (const wabt::TypeEntry* entry : m.types) {
    const auto* ft = wabt::dyn_cast<wabt::FuncType>(entry);
    if (!ft) return fail(ErrorCode::kUnsupported, "non-function type entry");
    FuncType t;
    auto p = lowerTypes(ft->sig.param_types);
    if (!p) return fail(p.error());
    auto r = lowerTypes(ft->sig.result_types);
    if (!r) return fail(r.error());
    t.params = std::move(*p);
    t.results = std::move(*r);
    if (t.params.size() > limits::kMaxParams || t.results.size() > limits::kMaxResults) {
      return fail(ErrorCode::kUnsupported, "function type with ", std::to_string(t.params.size()),
                  " params and ", std::to_string(t.results.size()), " results (limits ",
                  std::to_string(limits::kMaxParams), "/", std::to_string(limits::kMaxResults),
                  ")");
    }
    info.types.push_back(std::move(t));
  }
  info.num_imported_funcs = m.num_func_imports;
  info.num_imported_tables = m.num_table_imports;
  info.num_imported_memories = m.num_memory_imports;
  info.num_imported_globals = m.num_global_imports;
  if (m.num_tag_imports != 0 || !m.tags.empty()) {
    return fail(ErrorCode::kUnsupported, "exception handling (tags)");
  }
  if (m.memories.size() > 1) return fail(ErrorCode::kUnsupported, "multiple memories");

  uint32_t next[4] = {0, 0, 0, 0};
  for (const wabt::Import* imp : m.imports) {
    Import out{imp->module_name, imp->field_name, ExternKind::kFunc, 0};
    switch (imp->kind()) {
      case wabt::ExternalKind::Func: out.kind = ExternKind::kFunc; break;
      case wabt::ExternalKind::Table: out.kind = ExternKind::kTable; break;
      case wabt::ExternalKind::Memory: out.kind = ExternKind::kMemory; break;
      case wabt::ExternalKind::Global: out.kind = ExternKind::kGlobal; break;
      default: return fail(ErrorCode::kUnsupported, "import kind");
    }
    out.index = next[static_cast<int>(out.kind)]++;
    info.imports.push_back(std::move(out));
  }
  for (const wabt::Func* f : m.funcs) {
    info.func_types.push_back(m.GetFuncTypeIndex(f->decl));
    info.func_names.push_back(f->name.size() > 1 && f->name[0] == '$' ? f->name.substr(1) : f->name);
  }
  for (const wabt::Table* t : m.tables) {
    auto et = lowerType(t->elem_type);
    if (!et) return fail(et.error());
    info.tables.push_back(TableType{*et, lowerLimits(t->elem_limits)});
  }
  for (const wabt::Memory* mem : m.memories) {
    if (mem->page_limits.is_64 || mem->page_limits.is_shared) {
      return fail(ErrorCode::kUnsupported, "memory64 or shared memory");
    }
    info.memories.push_back(lowerLimits(mem->page_limits));
  }
  for (size_t i = 0; i < m.globals.size(); ++i) {
    const wabt::Global* g = m.globals[i];
    auto t = lowerType(g->type);
    if (!t) return fail(t.error());
    info.globals.push_back(GlobalType{*t, g->mutable_});
    if (i >= m.num_global_imports) {
      auto init = lowerConstExpr(g->init_expr, *t);
      if (!init) return fail(init.error());
      info.global_inits.push_back(*init);
    }
  }
  for (const wabt::Export* e : m.exports) {
    Export out{e->name, ExternKind::kFunc, 0};
    switch (e->kind) {
      case wabt::ExternalKind::Func: out.kind = ExternKind::kFunc; out.index = m.GetFuncIndex(e->var); break;
      case wabt::ExternalKind::Table: out.kind = ExternKind::kTable; out.index = m.GetTableIndex(e->var); break;
      case wabt::ExternalKind::Memory: out.kind = ExternKind::kMemory; out.index = m.GetMemoryIndex(e->var); break;
      case wabt::ExternalKind::Global: out.kind = ExternKind::kGlobal; out.index = m.GetGlobalIndex(e->var); break;
      default: return fail(ErrorCode::kUnsupported, "export kind");
    }
    info.exports.push_back(std::move(out));
  }
  if (!m.starts.empty()) info.start = m.GetFuncIndex(*m.starts[0]);
  for (const wabt::ElemSegment* s : m.elem_segments) {
    ElemSegment out;
    out.mode = s->kind == wabt::SegmentKind::Active    ? SegmentMode::kActive
               : s->kind == wabt::SegmentKind::Passive ? SegmentMode::kPassive
                                                       : SegmentMode::kDeclared;
    auto et = lowerType(s->elem_type);
    if (!et) return fail(et.error());
    out.type = *et;
    if (out.mode == SegmentMode::kActive) {
      out.table = m.GetTableIndex(s->table_var);
      auto off = lowerConstExpr(s->offset, ValType::kI32);
      if (!off) return fail(off.error());
      out.offset = *off;
    }
    for (const auto& item : s->elem_exprs) {
      auto c = lowerConstExpr(item, out.type);
      if (!c) return fail(c.error());
      out.items.push_back(*c);
    }
    info.elems.push_back(std::move(out));
  }
  for (const wabt::DataSegment* d : m.data_segments) {
    DataSegment out;
    out.mode = d->kind == wabt::SegmentKind::Active ? SegmentMode::kActive : SegmentMode::kPassive;
    if (out.mode == SegmentMode::kActive) {
      out.memory = m.GetMemoryIndex(d->memory_var);
      auto off = lowerConstExpr(d->offset, ValType::kI32);
      if (!off) return fail(off.error());
      out.offset = *off;
    }
    out.bytes = d->data;
    info.datas.push_back(std::move(out));
  }
  if (m.elem_segments.size() + m.data_segments.size() > limits::kMaxSegments) {
    return fail(ErrorCode::kUnsupported, "more than ", std::to_string(limits::kMaxSegments),
                " element and data segments");
  }
  if (info.func_types.size() > limits::kMaxFunctions) {
    return fail(ErrorCode::kUnsupported, "too many functions");
  }
  return info;
}

// Section counts wabt 1.0.32's IR reader does not cross-check (spec 5.5.16: the data count
// must equal the number of data segments), and where the code section and the DWARF custom
// sections lie (for trap backtraces).
class SectionCounts : public wabt::BinaryReaderNop {
 public:
  wabt::Result BeginSection(wabt::Index, wabt::BinarySection type, wabt::Offset size) override {
    section_start = state->offset;
    section_size = size;
    if (type == wabt::BinarySection::Code) {
      code_offset = static_cast<uint32_t>(section_start);
      code_size = static_cast<uint32_t>(size);
    }
    return wabt::Result::Ok;
  }
  wabt::Result BeginCustomSection(wabt::Index, wabt::Offset,
                                  std::string_view name) override {
    // The reader has consumed the name: the contents run to the end of the section.
    size_t begin = state->offset, end = section_start + section_size;
    if (name.starts_with(".debug_") && begin <= end && end <= state->size) {
      dwarf.emplace_back(std::string(name),
                         std::vector<uint8_t>(state->data + begin, state->data + end));
    }
    return wabt::Result::Ok;
  }
  wabt::Result OnDataCount(wabt::Index count) override {
    data_count = count;
    return wabt::Result::Ok;
  }
  wabt::Result OnDataSegmentCount(wabt::Index count) override {
    data_segments = count;
    return wabt::Result::Ok;
  }
  std::optional<wabt::Index> data_count;
  wabt::Index data_segments = 0;
  size_t section_start = 0, section_size = 0;
  uint32_t code_offset = 0, code_size = 0;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> dwarf;
};

// Where a function's first instruction starts: wabt's Func::loc is the start of the locals
// vector (after the body size), and its expression offsets are where each instruction *ends*.
uint32_t firstInstruction(std::span<const uint8_t> wasm, size_t locals) {
  const uint8_t* p = wasm.data() + std::min(locals, wasm.size());
  const uint8_t* end = wasm.data() + wasm.size();
  uint32_t groups = 0;
  p += wabt::ReadU32Leb128(p, end, &groups);
  for (uint32_t i = 0; i < groups && p < end; ++i) {
    uint32_t n = 0;
    size_t len = wabt::ReadU32Leb128(p, end, &n);
    if (len == 0) break;
    p += len + 1;  // count, then a one-byte value type (Wasm 2.0)
  }
  return static_cast<uint32_t>(std::min(p, end) - wasm.data());
}

// Offsets for trap backtraces (compile/code_map.h): the code section is a count, then each body
// as its size and bytes; wabt's Func::loc is where a body's bytes start.
void recordOffsets(std::span<const uint8_t> wasm, SectionCounts& counts, DecodedModule& out) {
  out.code_section_offset = counts.code_offset;
  out.code_section_size = counts.code_size;
  out.dwarf_sections = std::move(counts.dwarf);
  out.first_instr_offsets.assign(out.ir->funcs.size(), 0);
  out.body_ends.assign(out.ir->funcs.size(), 0);
  const uint8_t* end =
      wasm.data() + std::min<size_t>(wasm.size(), size_t(counts.code_offset) + counts.code_size);
  const uint8_t* p = wasm.data() + std::min<size_t>(wasm.size(), counts.code_offset);
  uint32_t n = 0;
  p += wabt::ReadU32Leb128(p, end, &n);
  for (size_t i = out.ir->num_func_imports; i < out.ir->funcs.size() && p < end; ++i) {
    uint32_t size = 0;
    size_t len = wabt::ReadU32Leb128(p, end, &size);
    if (len == 0 || size > size_t(end - p) - len) break;
    p += len;
    out.first_instr_offsets[i] = firstInstruction(wasm, p - wasm.data());
    p += size;
    out.body_ends[i] = static_cast<uint32_t>(p - wasm.data());
  }
}

// Checks wabt's validator misses, and bounds nesting depth (code generation recurses per level).
Result<void> checkBody(const wabt::Module& m, const wabt::ExprList& list, uint32_t depth) {
  if (depth > limits::kMaxNesting) {
    return fail(ErrorCode::kUnsupported, "blocks nested deeper than ",
                std::to_string(limits::kMaxNesting));
  }
  for (const wabt::Expr& e : list) {
    switch (e.type()) {
      case wabt::ExprType::Block:
        TERN_TRY(checkBody(m, wabt::cast<wabt::BlockExpr>(&e)->block.exprs, depth + 1));
        break;
      case wabt::ExprType::Loop:
        TERN_TRY(checkBody(m, wabt::cast<wabt::LoopExpr>(&e)->block.exprs, depth + 1));
        break;
      case wabt::ExprType::If: {
        const auto* ife = wabt::cast<wabt::IfExpr>(&e);
        TERN_TRY(checkBody(m, ife->true_.exprs, depth + 1));
        TERN_TRY(checkBody(m, ife->false_, depth + 1));
        break;
      }
      case wabt::ExprType::CallIndirect: {
        const auto* ci = wabt::cast<wabt::CallIndirectExpr>(&e);
        const wabt::Table* t = m.GetTable(ci->table);
        if (t && t->elem_type != wabt::Type::FuncRef) {
          return fail(ErrorCode::kInvalid, "type mismatch: call_indirect through a table of ",
                      t->elem_type.GetName());
        }
        break;
      }
      default:
        break;
    }
  }
  return {};
}

}  // namespace

Result<DecodedModule> decodeModule(std::span<const uint8_t> wasm) {
  if (wasm.size() > limits::kMaxModuleBytes) {
    return fail(ErrorCode::kMalformed, "module larger than ", std::to_string(limits::kMaxModuleBytes), " bytes");
  }
  wabt::Features features;  // wabt 1.0.32 defaults are exactly Wasm 2.0 (+ SIMD)
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/true,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/true);
  DecodedModule out;
  out.ir = std::make_unique<wabt::Module>();
  wabt::Errors errors;
  if (wabt::Failed(wabt::ReadBinaryIr("module", wasm.data(), wasm.size(), options, &errors,
                                      out.ir.get()))) {
    // The contents of a name section never make a module malformed (spec 7.4: custom
    // sections); wit-component's adapters carry name sections wabt rejects. Read again
    // without names: a module that still fails is malformed for real.
    wabt::ReadBinaryOptions no_names = options;
    no_names.read_debug_names = false;
    out.ir = std::make_unique<wabt::Module>();
    wabt::Errors retry_errors;
    if (wabt::Failed(wabt::ReadBinaryIr("module", wasm.data(), wasm.size(), no_names,
                                        &retry_errors, out.ir.get()))) {
      return fail(ErrorCode::kMalformed, formatErrors(errors));
    }
  }
  wabt::ValidateOptions vopts(features);
  if (wabt::Failed(wabt::ValidateModule(out.ir.get(), &errors, vopts))) {
    return fail(ErrorCode::kInvalid, formatErrors(errors));
  }
  SectionCounts counts;
  wabt::ReadBinaryOptions count_options = options;
  count_options.skip_function_bodies = true;
  count_options.read_debug_names = false;
  if (wabt::Succeeded(wabt::ReadBinary(wasm.data(), wasm.size(), &counts, count_options)) &&
      counts.data_count && *counts.data_count != counts.data_segments) {
    return fail(ErrorCode::kMalformed, "data count and data section have inconsistent lengths");
  }
  recordOffsets(wasm, counts, out);
  for (const wabt::Func* f : out.ir->funcs) {
    // Code generation gives every param and local a slot. wabt 1.0.32 accepts ~2^32 locals
    // (fuzzer: tests/fuzz/regressions/wasm/), and LocalTypes::size() wraps: sum the decls here.
    uint64_t locals = f->GetNumParams();
    for (const auto& decl : f->local_types.decls()) locals += decl.second;
    if (locals > limits::kMaxLocals) {
      return fail(ErrorCode::kUnsupported, "function with ", std::to_string(locals),
                  " params and locals (the limit is ", std::to_string(limits::kMaxLocals), ")");
    }
    TERN_TRY(checkBody(*out.ir, f->exprs, 0));
  }
  auto info = lowerModule(*out.ir);
  if (!info) return fail(info.error());
  out.info = std::move(*info);
  return out;
}

}  // namespace tern::compile
