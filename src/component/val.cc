// Names of component-model value types, for error messages.
#include "component/val.h"

namespace tern::component {

std::string_view typeKindName(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool: return "bool";
    case TypeKind::kS8: return "s8";
    case TypeKind::kU8: return "u8";
    case TypeKind::kS16: return "s16";
    case TypeKind::kU16: return "u16";
    case TypeKind::kS32: return "s32";
    case TypeKind::kU32: return "u32";
    case TypeKind::kS64: return "s64";
    case TypeKind::kU64: return "u64";
    case TypeKind::kF32: return "f32";
    case TypeKind::kF64: return "f64";
    case TypeKind::kChar: return "char";
    case TypeKind::kString: return "string";
    case TypeKind::kList: return "list";
    case TypeKind::kRecord: return "record";
    case TypeKind::kTuple: return "tuple";
    case TypeKind::kVariant: return "variant";
    case TypeKind::kEnum: return "enum";
    case TypeKind::kOption: return "option";
    case TypeKind::kResult: return "result";
    case TypeKind::kFlags: return "flags";
    case TypeKind::kOwn: return "own";
    case TypeKind::kBorrow: return "borrow";
  }
  return "?";
}

namespace {
std::string optName(const ValType* t) { return t ? typeName(*t) : "_"; }
}  // namespace

std::string typeName(const ValType& type) {
  std::string out(typeKindName(type.kind));
  switch (type.kind) {
    case TypeKind::kList:
    case TypeKind::kOption:
      return out + "<" + optName(type.elems.empty() ? nullptr : type.elems[0]) + ">";
    case TypeKind::kTuple: {
      out += "<";
      for (size_t i = 0; i < type.elems.size(); ++i) out += (i ? ", " : "") + optName(type.elems[i]);
      return out + ">";
    }
    case TypeKind::kResult:
      return out + "<" + optName(type.elems.size() > 0 ? type.elems[0] : nullptr) + ", " +
             optName(type.elems.size() > 1 ? type.elems[1] : nullptr) + ">";
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
      return out + "<" + (type.resource ? type.resource->name : std::string("?")) + ">";
    case TypeKind::kRecord:
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kFlags: {
      out += " {";
      for (size_t i = 0; i < type.labels.size(); ++i) out += (i ? ", " : " ") + type.labels[i];
      return out + " }";
    }
    default:
      return out;
  }
}

}  // namespace tern::component
