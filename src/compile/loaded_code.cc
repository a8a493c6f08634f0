// A small static linker/loader for the relocatable ELF objects code generation emits: sections
// laid out in one mapping (code first, then stubs and GOT, then data), x86-64 relocations applied
// (System V psABI 4.4), code sealed read+execute, data read-only.
#include "compile/loaded_code.h"

#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace tern::compile {

namespace {

constexpr size_t kPage = 4096;
size_t alignUp(size_t v, size_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

// Functions generated code may call that live outside the module (LLVM lowers some operations
// to libc calls). Anything else undefined is an error.
bool allowedExternal(std::string_view name) {
  static const char* const kAllowed[] = {"memcpy", "memmove", "memset", "fmod", "fmodf",
                                         "ceil", "ceilf", "floor", "floorf", "trunc", "truncf",
                                         "roundeven", "roundevenf", "nearbyint", "nearbyintf",
                                         "rint", "rintf", "sqrt", "sqrtf", "fmin", "fminf",
                                         "fmax", "fmaxf"};
  for (const char* a : kAllowed) {
    if (name == a) return true;
  }
  return false;
}

struct Object {
  const uint8_t* data;
  size_t size;
  const Elf64_Ehdr* ehdr;
  const Elf64_Shdr* shdrs;
  std::vector<uint8_t*> section_addr;  // null: not loaded
  const Elf64_Sym* symtab = nullptr;
  size_t num_syms = 0;
  const char* strtab = nullptr;
  size_t strtab_size = 0;
};

Result<void> bad(const char* what) { return fail(ErrorCode::kCache, "object code: ", what); }

Result<void> parseObject(Object& o) {
  if (o.size < sizeof(Elf64_Ehdr)) return bad("truncated header");
  o.ehdr = reinterpret_cast<const Elf64_Ehdr*>(o.data);
  const Elf64_Ehdr& h = *o.ehdr;
  if (std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0 || h.e_ident[EI_CLASS] != ELFCLASS64 ||
      h.e_ident[EI_DATA] != ELFDATA2LSB || h.e_type != ET_REL || h.e_machine != EM_X86_64 ||
      h.e_shentsize != sizeof(Elf64_Shdr)) {
    return bad("not an x86-64 relocatable ELF object");
  }
  if (h.e_shoff > o.size || h.e_shnum > (o.size - h.e_shoff) / sizeof(Elf64_Shdr)) {
    return bad("section table out of range");
  }
  o.shdrs = reinterpret_cast<const Elf64_Shdr*>(o.data + h.e_shoff);
  o.section_addr.assign(h.e_shnum, nullptr);
  for (size_t i = 0; i < h.e_shnum; ++i) {
    const Elf64_Shdr& s = o.shdrs[i];
    if (s.sh_type != SHT_NOBITS && (s.sh_offset > o.size || s.sh_size > o.size - s.sh_offset)) {
      return bad("section out of range");
    }
    if (s.sh_type == SHT_SYMTAB) {
      if (s.sh_entsize != sizeof(Elf64_Sym) || s.sh_link >= h.e_shnum) return bad("bad symtab");
      o.symtab = reinterpret_cast<const Elf64_Sym*>(o.data + s.sh_offset);
      o.num_syms = s.sh_size / sizeof(Elf64_Sym);
      const Elf64_Shdr& str = o.shdrs[s.sh_link];
      if (str.sh_offset > o.size || str.sh_size > o.size - str.sh_offset) return bad("bad strtab");
      o.strtab = reinterpret_cast<const char*>(o.data + str.sh_offset);
      o.strtab_size = str.sh_size;
    }
  }
  if (!o.symtab) return bad("no symbol table");
  return {};
}

bool loadable(const Object& o, size_t i, const char* shstr, size_t shstr_size) {
  const Elf64_Shdr& s = o.shdrs[i];
  if (!(s.sh_flags & SHF_ALLOC) || s.sh_size == 0) return false;
  // Unwind tables are not needed: traps leave guest code with longjmp, never by unwinding.
  if (s.sh_type == SHT_X86_64_UNWIND) return false;
  if (s.sh_name < shstr_size && std::string_view(shstr + s.sh_name) == ".eh_frame") return false;
  return true;
}

const char* symbolName(const Object& o, const Elf64_Sym& sym) {
  return sym.st_name < o.strtab_size ? o.strtab + sym.st_name : "";
}

// Registry of loaded code ranges for LoadedCode::containing: a fixed array of slots, each a
// seqlock, so the fault handler can read it without locks while other threads (un)register.
struct CodeSlot {
  std::atomic<uint64_t> seq{0};  // odd while a writer changes the slot
  std::atomic<uintptr_t> start{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<const LoadedCode*> code{nullptr};
};
constexpr size_t kMaxCodeSlots = 1 << 12;
CodeSlot g_code_slots[kMaxCodeSlots];
std::atomic<size_t> g_code_high{0};
std::mutex g_code_mutex;

void writeSlot(CodeSlot& slot, uintptr_t start, uintptr_t end, const LoadedCode* code) {
  uint64_t seq = slot.seq.load(std::memory_order_relaxed);
  slot.seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  slot.start.store(start, std::memory_order_relaxed);
  slot.end.store(end, std::memory_order_relaxed);
  slot.code.store(code, std::memory_order_relaxed);
  slot.seq.store(seq + 2, std::memory_order_release);
}

// False when the registry is full, which only costs backtraces for the modules beyond it.
bool registerCode(uintptr_t start, uintptr_t end, const LoadedCode* code) {
  std::lock_guard lock(g_code_mutex);
  size_t n = g_code_high.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    if (g_code_slots[i].code.load(std::memory_order_relaxed) == nullptr) {
      writeSlot(g_code_slots[i], start, end, code);
      return true;
    }
  }
  if (n == kMaxCodeSlots) return false;
  writeSlot(g_code_slots[n], start, end, code);
  g_code_high.store(n + 1, std::memory_order_release);
  return true;
}

void unregisterCode(const LoadedCode* code) {
  std::lock_guard lock(g_code_mutex);
  size_t n = g_code_high.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    if (g_code_slots[i].code.load(std::memory_order_relaxed) == code) {
      writeSlot(g_code_slots[i], 0, 0, nullptr);
      return;
    }
  }
}

}  // namespace

const LoadedCode* LoadedCode::containing(uintptr_t pc) {
  size_t n = g_code_high.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    CodeSlot& slot = g_code_slots[i];
    uint64_t before = slot.seq.load(std::memory_order_acquire);
    uintptr_t start = slot.start.load(std::memory_order_relaxed);
    uintptr_t end = slot.end.load(std::memory_order_relaxed);
    const LoadedCode* code = slot.code.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    // A slot being rewritten belongs to a module that is being loaded or unloaded, never to
    // one whose code is running: skipping it is right.
    if ((before & 1) || slot.seq.load(std::memory_order_relaxed) != before) continue;
    if (code && pc >= start && pc < end) return code;
  }
  return nullptr;
}

size_t LoadedCode::registeredCount() {
  std::lock_guard lock(g_code_mutex);
  size_t n = g_code_high.load(std::memory_order_relaxed), count = 0;
  for (size_t i = 0; i < n; ++i) count += g_code_slots[i].code.load() != nullptr;
  return count;
}

void LoadedCode::buildIndex() const {
  for (uint32_t f = 0; f < functions_.size(); ++f) {
    if (functions_[f]) by_address_.emplace_back(reinterpret_cast<uintptr_t>(functions_[f]), f);
  }
  std::sort(by_address_.begin(), by_address_.end());
  if (!code_map_bytes_.empty()) {
    auto map = decodeCodeMap(code_map_bytes_);
    if (map) code_map_ = std::move(*map);
  }
}

std::optional<CodeLocation> LoadedCode::locate(uintptr_t pc, bool return_address) const {
  std::call_once(index_once_, [this] { buildIndex(); });
  uintptr_t addr = return_address ? pc - 1 : pc;
  auto it = std::upper_bound(by_address_.begin(), by_address_.end(),
                             std::make_pair(addr, UINT32_MAX));
  if (it == by_address_.begin()) return std::nullopt;
  --it;
  auto [start, func] = *it;
  if (addr - start >= function_sizes_[func]) return std::nullopt;  // a trampoline or adapter
  CodeLocation loc;
  loc.func_index = func;
  if (!code_map_) return loc;
  loc.wasm_offset = code_map_->wasmOffset(func, static_cast<uint32_t>(addr - start));
  if (!loc.wasm_offset) return loc;
  // Code inlined from another function (-O) carries that function's offsets: name it.
  if (auto owner = code_map_->functionAt(*loc.wasm_offset)) loc.func_index = *owner;
  loc.source = code_map_->sourceAt(*loc.wasm_offset);
  return loc;
}

Result<std::unique_ptr<LoadedCode>> LoadedCode::load(const ObjectCode& code, const ModuleInfo& info) {
  std::vector<Object> objects;
  for (const auto& bytes : code.objects) {
    Object o{bytes.data(), bytes.size(), nullptr, nullptr, {}};
    TERN_TRY(parseObject(o));
    objects.push_back(std::move(o));
  }

  // 1. Layout: executable sections, then stubs + GOT, then everything else.
  size_t text_size = 0, data_size = 0, relocs = 0;
  std::vector<std::vector<std::pair<bool, size_t>>> placement(objects.size());  // (is_text, offset)
  for (size_t k = 0; k < objects.size(); ++k) {
    Object& o = objects[k];
    const Elf64_Shdr& shstr_hdr = o.shdrs[o.ehdr->e_shstrndx < o.ehdr->e_shnum ? o.ehdr->e_shstrndx : 0];
    const char* shstr = reinterpret_cast<const char*>(o.data + shstr_hdr.sh_offset);
    placement[k].assign(o.ehdr->e_shnum, {false, SIZE_MAX});
    for (size_t i = 0; i < o.ehdr->e_shnum; ++i) {
      const Elf64_Shdr& s = o.shdrs[i];
      if (s.sh_type == SHT_RELA) relocs += s.sh_size / sizeof(Elf64_Rela);
      if (!loadable(o, i, shstr, shstr_hdr.sh_size)) continue;
      if (s.sh_addralign > kPage) return fail(ErrorCode::kCache, "object code: over-aligned section");
      bool text = s.sh_flags & SHF_EXECINSTR;
      size_t& cursor = text ? text_size : data_size;
      cursor = alignUp(cursor, s.sh_addralign);
      placement[k][i] = {text, cursor};
      cursor += s.sh_size;
    }
  }
  constexpr size_t kStubBytes = 16;  // jmp *[rip+2]; 2 bytes pad; .quad target
  size_t stubs_off = alignUp(text_size, 16);
  size_t code_end = alignUp(stubs_off + relocs * kStubBytes, kPage);
  size_t got_off = code_end;
  size_t data_off = alignUp(got_off + relocs * 8, 64);
  size_t total = std::max(kPage, alignUp(data_off + data_size, kPage));
  void* map = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return fail(ErrorCode::kResourceExhausted, "cannot map code");
  auto out = std::unique_ptr<LoadedCode>(new LoadedCode());
  out->mapping_ = map;
  out->size_ = total;
  auto* base = static_cast<uint8_t*>(map);

  for (size_t k = 0; k < objects.size(); ++k) {
    Object& o = objects[k];
    for (size_t i = 0; i < o.ehdr->e_shnum; ++i) {
      auto [text, off] = placement[k][i];
      if (off == SIZE_MAX) continue;
      const Elf64_Shdr& s = o.shdrs[i];
      uint8_t* addr = base + (text ? off : data_off + off);
      if (s.sh_type != SHT_NOBITS) std::memcpy(addr, o.data + s.sh_offset, s.sh_size);
      o.section_addr[i] = addr;
    }
  }

  // 2. Global symbols defined by any object.
  std::unordered_map<std::string_view, std::pair<uint8_t*, uint64_t>> globals;  // address, size
  for (auto& o : objects) {
    for (size_t i = 1; i < o.num_syms; ++i) {
      const Elf64_Sym& sym = o.symtab[i];
      if (ELF64_ST_BIND(sym.st_info) == STB_LOCAL || sym.st_shndx == SHN_UNDEF) continue;
      if (sym.st_shndx >= o.section_addr.size() || !o.section_addr[sym.st_shndx]) continue;
      globals[symbolName(o, sym)] = {o.section_addr[sym.st_shndx] + sym.st_value, sym.st_size};
    }
  }

  // 3. Relocations.
  size_t stubs_used = 0, got_used = 0;
  std::unordered_map<uint8_t*, uint8_t*> stub_of, got_of;
  auto stubFor = [&](uint8_t* target) {
    auto [it, fresh] = stub_of.try_emplace(target, nullptr);
    if (fresh) {
      uint8_t* s = base + stubs_off + kStubBytes * stubs_used++;
      const uint8_t jmp[] = {0xff, 0x25, 0x02, 0x00, 0x00, 0x00, 0x90, 0x90};  // jmp *[rip+2]
      std::memcpy(s, jmp, sizeof jmp);
      std::memcpy(s + 8, &target, 8);
      it->second = s;
    }
    return it->second;
  };
  auto gotFor = [&](uint8_t* target) {
    auto [it, fresh] = got_of.try_emplace(target, nullptr);
    if (fresh) {
      uint8_t* g = base + got_off + 8 * got_used++;
      std::memcpy(g, &target, 8);
      it->second = g;
    }
    return it->second;
  };
  for (auto& o : objects) {
    for (size_t i = 0; i < o.ehdr->e_shnum; ++i) {
      const Elf64_Shdr& rs = o.shdrs[i];
      if (rs.sh_type != SHT_RELA || rs.sh_info >= o.section_addr.size()) continue;
      uint8_t* target_section = o.section_addr[rs.sh_info];
      if (!target_section) continue;  // relocations for a section we did not load
      const Elf64_Shdr& ts = o.shdrs[rs.sh_info];
      const auto* relas = reinterpret_cast<const Elf64_Rela*>(o.data + rs.sh_offset);
      for (size_t r = 0; r < rs.sh_size / sizeof(Elf64_Rela); ++r) {
        const Elf64_Rela& rel = relas[r];
        uint32_t type = ELF64_R_TYPE(rel.r_info);
        size_t si = ELF64_R_SYM(rel.r_info);
        if (si >= o.num_syms || rel.r_offset + 8 > ts.sh_size + 4) return fail(bad("relocation out of range").error());
        const Elf64_Sym& sym = o.symtab[si];
        uint8_t* S = nullptr;
        bool external = false;
        if (sym.st_shndx == SHN_UNDEF) {
          const char* name = symbolName(o, sym);
          auto it = globals.find(name);
          if (it != globals.end()) {
            S = it->second.first;
          } else if (allowedExternal(name)) {
            S = static_cast<uint8_t*>(dlsym(RTLD_DEFAULT, name));
            external = true;
          }
          if (!S) return fail(ErrorCode::kCache, "object code: undefined symbol ", name);
        } else if (sym.st_shndx < o.section_addr.size() && o.section_addr[sym.st_shndx]) {
          S = o.section_addr[sym.st_shndx] + sym.st_value;
        } else if (sym.st_shndx == SHN_ABS) {
          S = reinterpret_cast<uint8_t*>(sym.st_value);
        } else {
          return fail(ErrorCode::kCache, "object code: symbol in an unloaded section");
        }
        uint8_t* P = target_section + rel.r_offset;
        int64_t A = rel.r_addend;
        auto put32 = [&](int64_t v) -> Result<void> {
          if (v < INT32_MIN || v > INT32_MAX) return bad("relocation overflow");
          int32_t x = static_cast<int32_t>(v);
          std::memcpy(P, &x, 4);
          return {};
        };
        switch (type) {
          case R_X86_64_64: {
            uint64_t v = reinterpret_cast<uint64_t>(S) + A;
            std::memcpy(P, &v, 8);
            break;
          }
          case R_X86_64_PC64: {
            int64_t v = (S + A) - P;
            std::memcpy(P, &v, 8);
            break;
          }
          case R_X86_64_PLT32:
            if (external) S = stubFor(S);
            TERN_TRY(put32(reinterpret_cast<int64_t>(S) + A - reinterpret_cast<int64_t>(P)));
            break;
          case R_X86_64_PC32:
            TERN_TRY(put32(reinterpret_cast<int64_t>(S) + A - reinterpret_cast<int64_t>(P)));
            break;
          case R_X86_64_GOTPCREL:
          case R_X86_64_GOTPCRELX:
          case R_X86_64_REX_GOTPCRELX:
            TERN_TRY(put32(reinterpret_cast<int64_t>(gotFor(S)) + A - reinterpret_cast<int64_t>(P)));
            break;
          default:
            return fail(ErrorCode::kCache, "object code: unsupported relocation type ",
                        std::to_string(type));
        }
      }
    }
  }

  // 4. Seal: code read+execute, the rest read-only.
  if (mprotect(base, code_end, PROT_READ | PROT_EXEC) != 0 ||
      mprotect(base + code_end, total - code_end, PROT_READ) != 0) {
    return fail(ErrorCode::kResourceExhausted, "cannot protect code");
  }

  auto lookup = [&](const std::string& name) -> uint8_t* {
    auto it = globals.find(name);
    return it == globals.end() ? nullptr : it->second.first;
  };
  uint32_t num_funcs = static_cast<uint32_t>(info.func_types.size());
  out->functions_.assign(num_funcs, nullptr);
  out->function_sizes_.assign(num_funcs, 0);
  for (uint32_t f = info.num_imported_funcs; f < num_funcs; ++f) {
    auto it = globals.find("tern_f" + std::to_string(f));
    if (it == globals.end()) return fail(ErrorCode::kCache, "object code lacks function ", std::to_string(f));
    out->functions_[f] = it->second.first;
    out->function_sizes_[f] = static_cast<uint32_t>(std::min<uint64_t>(it->second.second, UINT32_MAX));
  }
  for (uint32_t t = 0; t < info.types.size(); ++t) {
    auto* e = lookup(entrySymbol(t));
    auto* h = lookup(hostAdapterSymbol(t));
    if (!e || !h) return fail(ErrorCode::kCache, "object code lacks trampolines for type ", std::to_string(t));
    out->entries_.push_back(reinterpret_cast<vm::EntryTrampoline>(e));
    out->host_adapters_.push_back(h);
  }
  out->code_map_bytes_ = code.code_map;
  // Every loaded object registers (even one without code), so the destructor's unregistering
  // can never clear another object's slot that a reused address would match.
  out->registered_ = registerCode(reinterpret_cast<uintptr_t>(base),
                                  reinterpret_cast<uintptr_t>(base) + code_end, out.get());
  return out;
}

LoadedCode::~LoadedCode() {
  if (registered_) unregisterCode(this);
  if (mapping_) munmap(mapping_, size_);
}

}  // namespace tern::compile
