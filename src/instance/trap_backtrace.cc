// Symbolisation of trap backtraces through the loaded code's CodeMap and the name section.
#include "instance/trap_backtrace.h"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>

#include "compile/loaded_code.h"

namespace tern::instance {

namespace {

// C++ (and Rust legacy) names in the name section are Itanium-mangled.
std::string demangle(const std::string& name) {
  if (!name.starts_with("_Z")) return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string result = status == 0 && out ? out : name;
  std::free(out);
  return result;
}

}  // namespace

std::string TrapFrame::toString() const {
  std::string out = func_name.empty() ? "<unnamed>" : func_name;
  if (file) out += " (" + *file + ":" + std::to_string(line) + ")";
  out += " [func " + std::to_string(func_index);
  if (wasm_offset) {
    char buf[16];
    std::snprintf(buf, sizeof buf, " @0x%x", *wasm_offset);
    out += buf;
  }
  return out + "]";
}

std::vector<TrapFrame> symbolize(std::span<const uintptr_t> pcs, bool first_is_fault) {
  std::vector<TrapFrame> frames;
  for (size_t i = 0; i < pcs.size(); ++i) {
    const compile::LoadedCode* code = compile::LoadedCode::containing(pcs[i]);
    if (!code) continue;
    auto loc = code->locate(pcs[i], !(i == 0 && first_is_fault));
    if (!loc) continue;
    TrapFrame f;
    f.func_index = loc->func_index;
    const compile::ModuleInfo* info = code->moduleInfo();
    if (info && f.func_index < info->func_names.size()) {
      f.func_name = demangle(info->func_names[f.func_index]);
    }
    f.wasm_offset = loc->wasm_offset;
    if (loc->source) {
      f.file = loc->source->file;
      f.line = loc->source->line;
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

std::string formatBacktrace(std::span<const uintptr_t> pcs, bool first_is_fault,
                            uint32_t more_frames) {
  std::string out;
  std::vector<TrapFrame> frames = symbolize(pcs, first_is_fault);
  for (size_t i = 0; i < frames.size(); ++i) {
    out += "\n  " + std::to_string(i) + ": " + frames[i].toString();
  }
  if (more_frames && !frames.empty()) {
    out += "\n  ... " + std::to_string(more_frames) + " more frames";
  }
  return out;
}

std::string oneLine(std::string text) {
  for (size_t i = 0; (i = text.find("\n  ", i)) != std::string::npos;) text.replace(i, 3, " | ");
  for (size_t i = 0; (i = text.find('\n', i)) != std::string::npos;) text[i] = ' ';
  return text;
}

}  // namespace tern::instance
