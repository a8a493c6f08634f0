// Line tables read back with LLVM's DWARF reader: from the generated objects (native offset ->
// Wasm offset) and from the module's own DWARF (Wasm offset -> file:line). Debug sections are then
// stripped with LLVM's objcopy, so artifacts carry only the compact CodeMap.
#include "compile/code_map_codegen.h"

#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/ObjCopy/ConfigManager.h>
#include <llvm/ObjCopy/ObjCopy.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <map>
#include <string_view>

namespace tern::compile {

namespace {

void ignoreError(llvm::Error e) { llvm::consumeError(std::move(e)); }

std::string message(llvm::Error e) { return llvm::toString(std::move(e)); }

llvm::MemoryBufferRef bufferOf(const std::vector<uint8_t>& bytes, const char* name) {
  return llvm::MemoryBufferRef(
      llvm::StringRef(reinterpret_cast<const char*>(bytes.data()), bytes.size()), name);
}

struct FunctionRange {
  uint64_t section;
  uint64_t start;
  uint64_t end;
  uint32_t func_index;
};

// tern_f<i> symbols with their section and extent.
std::vector<FunctionRange> functionRanges(const llvm::object::ObjectFile& obj) {
  std::vector<FunctionRange> out;
  for (const llvm::object::SymbolRef& sym : obj.symbols()) {
    auto name = sym.getName();
    auto addr = sym.getAddress();
    auto sec = sym.getSection();
    if (!name || !addr || !sec || *sec == obj.section_end()) {
      if (!name) ignoreError(name.takeError());
      if (!addr) ignoreError(addr.takeError());
      if (!sec) ignoreError(sec.takeError());
      continue;
    }
    std::string_view n(name->data(), name->size());
    if (!n.starts_with("tern_f")) continue;
    uint32_t index = 0;
    bool numeric = n.size() > 6;
    for (char c : n.substr(6)) {
      numeric = numeric && c >= '0' && c <= '9';
      index = index * 10 + static_cast<uint32_t>(c - '0');
    }
    if (!numeric) continue;
    uint64_t size = llvm::object::ELFSymbolRef(sym).getSize();
    out.push_back({(*sec)->getIndex(), *addr, *addr + size, index});
  }
  std::sort(out.begin(), out.end(), [](const FunctionRange& a, const FunctionRange& b) {
    return std::tie(a.section, a.start) < std::tie(b.section, b.start);
  });
  return out;
}

const FunctionRange* rangeOf(const std::vector<FunctionRange>& ranges, uint64_t section,
                             uint64_t address) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), std::make_pair(section, address),
                             [](const std::pair<uint64_t, uint64_t>& key, const FunctionRange& r) {
                               return key < std::make_pair(r.section, r.start);
                             });
  if (it == ranges.begin()) return nullptr;
  --it;
  return it->section == section && address < it->end ? &*it : nullptr;
}

}  // namespace

Result<std::vector<FunctionMap>> readAddressMaps(const std::vector<uint8_t>& object) {
  auto obj = llvm::object::ObjectFile::createObjectFile(bufferOf(object, "code"));
  if (!obj) return fail(ErrorCode::kCodegen, "cannot read back object: ", message(obj.takeError()));
  std::vector<FunctionRange> ranges = functionRanges(**obj);
  std::map<uint32_t, std::vector<AddressRow>> rows;
  auto dwarf =
      llvm::DWARFContext::create(**obj, llvm::DWARFContext::ProcessDebugRelocations::Process,
                                 nullptr, "", ignoreError, ignoreError);
  for (const auto& unit : dwarf->compile_units()) {
    const llvm::DWARFDebugLine::LineTable* table = dwarf->getLineTableForUnit(unit.get());
    if (!table) continue;
    for (const auto& row : table->Rows) {
      if (row.EndSequence) continue;
      uint64_t section = row.Address.SectionIndex;
      const FunctionRange* f = nullptr;
      if (section == llvm::object::SectionedAddress::UndefSection) {
        for (const auto& r : ranges) {  // unrelocated: any section (objects have one .text)
          if (row.Address.Address >= r.start && row.Address.Address < r.end) f = &r;
        }
      } else {
        f = rangeOf(ranges, section, row.Address.Address);
      }
      if (!f) continue;
      rows[f->func_index].push_back(
          {static_cast<uint32_t>(row.Address.Address - f->start), static_cast<uint32_t>(row.Line)});
    }
  }
  std::vector<FunctionMap> out;
  for (const auto& r : ranges) {
    FunctionMap m;
    m.func_index = r.func_index;
    auto it = rows.find(r.func_index);
    if (it != rows.end()) m.rows = compactRows(std::move(it->second));
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<uint8_t>> stripDebugSections(const std::vector<uint8_t>& object) {
  auto binary = llvm::object::createBinary(bufferOf(object, "code"));
  if (!binary)
    return fail(ErrorCode::kCodegen, "cannot read back object: ", message(binary.takeError()));
  llvm::objcopy::ConfigManager config;
  config.Common.StripDebug = true;
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  if (llvm::Error e = llvm::objcopy::executeObjcopyOnBinary(config, **binary, os)) {
    return fail(ErrorCode::kCodegen, "cannot strip debug sections: ", message(std::move(e)));
  }
  return std::vector<uint8_t>(buffer.begin(), buffer.end());
}

namespace {

struct RawRow {
  uint32_t offset;
  bool is_end;  // the end of a sequence: no source from here
  uint32_t file;
  uint32_t line;
};

// Rows of one line table, module-relative, for the sequences that lie in the code section
// (wasm-ld leaves the sequences of discarded functions at address 0 or at a tombstone).
void collectRows(llvm::DWARFUnit& unit, const llvm::DWARFDebugLine::LineTable& table,
                 const DecodedModule& m, std::map<std::string, uint32_t>& files,
                 std::vector<RawRow>& out) {
  std::map<uint64_t, uint32_t> file_ids;  // the table's file index -> CodeMap file
  auto fileId = [&](uint64_t index) -> uint32_t {
    auto it = file_ids.find(index);
    if (it != file_ids.end()) return it->second;
    std::string name;
    const char* dir = unit.getCompilationDir();
    if (!table.getFileNameByIndex(index, dir ? dir : "",
                                  llvm::DILineInfoSpecifier::FileLineInfoKind::RelativeFilePath,
                                  name)) {
      return file_ids[index] = 0;
    }
    auto [f, fresh] = files.try_emplace(name, static_cast<uint32_t>(files.size() + 1));
    return file_ids[index] = f->second;
  };
  for (const auto& seq : table.Sequences) {
    if (seq.LowPC == 0 || seq.HighPC > m.code_section_size || seq.LowPC >= seq.HighPC) continue;
    for (unsigned i = seq.FirstRowIndex; i < seq.LastRowIndex && i < table.Rows.size(); ++i) {
      const auto& row = table.Rows[i];
      uint32_t offset = m.code_section_offset + static_cast<uint32_t>(row.Address.Address);
      if (row.EndSequence) {
        out.push_back({offset, true, 0, 0});
      } else {
        out.push_back({offset, false, row.Line ? fileId(row.File) : 0, row.Line});
      }
    }
  }
}

}  // namespace

void readSourceLines(const DecodedModule& m, CodeMap& out) {
  if (m.dwarf_sections.empty() || m.code_section_size == 0) return;
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> sections;
  for (const auto& [name, bytes] : m.dwarf_sections) {
    sections[name.substr(1)] = llvm::MemoryBuffer::getMemBuffer(
        llvm::StringRef(reinterpret_cast<const char*>(bytes.data()), bytes.size()), name, false);
  }
  auto dwarf = llvm::DWARFContext::create(sections, /*AddrSize=*/4, /*isLittleEndian=*/true,
                                          ignoreError, ignoreError);
  std::map<std::string, uint32_t> files;
  std::vector<RawRow> rows;
  for (const auto& unit : dwarf->compile_units()) {
    const llvm::DWARFDebugLine::LineTable* table = dwarf->getLineTableForUnit(unit.get());
    if (table) collectRows(*unit, *table, m, files, rows);
  }
  // At one offset a sequence's start wins over another's end; otherwise the last row wins.
  std::stable_sort(rows.begin(), rows.end(), [](const RawRow& a, const RawRow& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.is_end && !b.is_end;
  });
  out.files.assign(files.size(), "");
  for (const auto& [name, id] : files) out.files[id - 1] = name;
  out.source.clear();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + 1 < rows.size() && rows[i + 1].offset == rows[i].offset) continue;
    SourceRow r{rows[i].offset, rows[i].file, rows[i].line};
    if (!out.source.empty() && out.source.back().file == r.file &&
        out.source.back().line == r.line) {
      continue;
    }
    out.source.push_back(r);
  }
}

}  // namespace tern::compile
