// Low-level decoding of the component binary format (spec: component-model Binary.md): a bounds-
// checked reader and the small encodings (sorts, valtypes, externdescs, canonopts) the builder uses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "component/canon.h"
#include "component/val.h"

namespace tern::component::bin {

// Every index space of a component (core sorts first).
enum class Sort : uint8_t {
  kCoreFunc, kCoreTable, kCoreMemory, kCoreGlobal, kCoreType, kCoreModule, kCoreInstance,
  kFunc, kValue, kType, kComponent, kInstance,
};
std::string_view sortName(Sort sort);

// Section ids (Binary.md "section").
enum SectionId : uint8_t {
  kCustomSection = 0, kCoreModuleSection, kCoreInstanceSection, kCoreTypeSection,
  kComponentSection, kInstanceSection, kAliasSection, kTypeSection, kCanonSection,
  kStartSection, kImportSection, kExportSection, kValueSection,
};

// A bounds-checked cursor over [pos, end) of one buffer; offsets are absolute in that buffer, so
// errors inside nested components name the offset in the outermost binary.
class Reader {
 public:
  Reader(std::span<const uint8_t> whole, size_t pos, size_t end)
      : data_(whole.data()), pos_(pos), end_(end) {}
  bool done() const { return pos_ >= end_; }
  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  const uint8_t* data() const { return data_; }

  Result<uint8_t> u8();
  Result<uint8_t> peek() const;
  Result<uint32_t> u32();  // unsigned LEB128, at most 5 bytes
  Result<int64_t> s33();   // signed LEB128, at most 5 bytes
  // A u32 count, checked against `limit` and against the bytes left (each item >= 1 byte).
  Result<uint32_t> count(uint32_t limit, std::string_view what);
  Result<std::string_view> name();  // u32 length + UTF-8 bytes
  Result<void> skip(size_t n);

  // kMalformed "at 0x<offset>: <message>".
  std::unexpected<Error> malformed(std::string_view msg) const;
  std::unexpected<Error> invalid(std::string_view msg) const;
  std::unexpected<Error> unsupported(std::string_view msg) const;

 private:
  const uint8_t* data_;
  size_t pos_;
  size_t end_;
};

std::string hexOffset(size_t offset);

// valtype: a primitive (prim = true, kind) or a type index.
struct ValTypeRef {
  bool prim = true;
  TypeKind kind = TypeKind::kBool;
  uint32_t index = 0;
};
Result<ValTypeRef> readValType(Reader& r);
// A primitive value type byte (0x7f bool .. 0x73 string), or nullopt.
std::optional<TypeKind> primitiveKind(uint8_t byte);

// sort (Binary.md "sort"); `core_only` reads a core:sort.
Result<Sort> readSort(Reader& r);
Result<Sort> readCoreSort(Reader& r);

// externdesc: what an import/export is.
struct ExternDescBin {
  Sort sort = Sort::kFunc;       // kCoreModule, kFunc, kValue, kType, kComponent, kInstance
  uint32_t index = 0;            // type index (or eq target for a type bound)
  bool sub_resource = false;     // type bound (sub resource)
};
Result<ExternDescBin> readExternDesc(Reader& r);

// importname'/exportname': 0x00 name | 0x01 name versionsuffix (the suffix is ignored).
Result<std::string_view> readExternName(Reader& r);

// canonopt list.
struct CanonOptsBin {
  StringEncoding encoding = StringEncoding::kUtf8;
  std::optional<uint32_t> memory, realloc, post_return;  // core memory/func indices
};
Result<CanonOptsBin> readCanonOpts(Reader& r);

// Skips a core functype (after its 0x60) / a core module type's declarations, validating them.
Result<void> skipCoreFuncType(Reader& r, std::vector<uint8_t>* params = nullptr,
                              std::vector<uint8_t>* results = nullptr);
Result<void> skipCoreModuleType(Reader& r, int depth);

}  // namespace tern::component::bin
