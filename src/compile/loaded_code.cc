// Links compiled objects with LLVM ORC (JITLink): one JITDylib per module, removed on unload.
#include "compile/loaded_code.h"

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>

#include <atomic>
#include <mutex>

namespace tern::compile {

namespace {

llvm::orc::LLJIT* jit() {
  static llvm::orc::LLJIT* instance = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    auto j = llvm::orc::LLJITBuilder().create();
    if (!j) {
      llvm::consumeError(j.takeError());
      return static_cast<llvm::orc::LLJIT*>(nullptr);
    }
    return j->release();  // lives for the process
  }();
  return instance;
}

std::string errorText(llvm::Error e) { return llvm::toString(std::move(e)); }

}  // namespace

struct LoadedCode::Impl {
  llvm::orc::JITDylib* dylib = nullptr;
};

Result<std::unique_ptr<LoadedCode>> LoadedCode::load(const ObjectCode& code, const ModuleInfo& info) {
  llvm::orc::LLJIT* j = jit();
  if (!j) return fail(ErrorCode::kCodegen, "cannot start the LLVM JIT linker");
  static std::atomic<uint64_t> counter{0};
  auto out = std::unique_ptr<LoadedCode>(new LoadedCode());
  out->impl_ = std::make_unique<Impl>();
  // LLJIT::createJITDylib links against process symbols (memcpy etc. that codegen may call).
  auto dylib = j->createJITDylib("m" + std::to_string(counter++));
  if (!dylib) return fail(ErrorCode::kCodegen, errorText(dylib.takeError()));
  out->impl_->dylib = &*dylib;
  for (const auto& obj : code.objects) {
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
        llvm::StringRef(reinterpret_cast<const char*>(obj.data()), obj.size()), "wasm.o");
    if (auto err = j->addObjectFile(*out->impl_->dylib, std::move(buffer))) {
      return fail(ErrorCode::kCache, "cannot load object: ", errorText(std::move(err)));
    }
  }
  // Look everything up in one session query: this is where linking actually happens.
  auto& es = j->getExecutionSession();
  llvm::orc::SymbolLookupSet names;
  std::vector<llvm::orc::SymbolStringPtr> order;
  auto add = [&](const std::string& name) {
    auto interned = j->mangleAndIntern(name);
    names.add(interned);
    order.push_back(interned);
  };
  uint32_t num_funcs = static_cast<uint32_t>(info.func_types.size());
  for (uint32_t f = info.num_imported_funcs; f < num_funcs; ++f) add("tern_f" + std::to_string(f));
  for (uint32_t t = 0; t < info.types.size(); ++t) {
    add(entrySymbol(t));
    add(hostAdapterSymbol(t));
  }
  auto found = es.lookup(llvm::orc::makeJITDylibSearchOrder(out->impl_->dylib), std::move(names));
  if (!found) return fail(ErrorCode::kCache, "cannot link module code: ", errorText(found.takeError()));
  auto addr = [&](size_t i) { return (*found)[order[i]].getAddress().toPtr<void*>(); };
  out->functions_.assign(num_funcs, nullptr);
  size_t k = 0;
  for (uint32_t f = info.num_imported_funcs; f < num_funcs; ++f) out->functions_[f] = addr(k++);
  for (uint32_t t = 0; t < info.types.size(); ++t) {
    out->entries_.push_back(reinterpret_cast<vm::EntryTrampoline>(addr(k++)));
    out->host_adapters_.push_back(addr(k++));
  }
  return out;
}

LoadedCode::~LoadedCode() {
  if (impl_ && impl_->dylib) {
    if (auto err = jit()->getExecutionSession().removeJITDylib(*impl_->dylib)) {
      llvm::consumeError(std::move(err));
    }
  }
}

}  // namespace tern::compile
