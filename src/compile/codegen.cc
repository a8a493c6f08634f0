// Drives LLVM: partitions functions across threads, each with its own LLVMContext, runs the pass
// pipeline for the chosen level and emits one ELF object per partition.
#include "compile/codegen.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/PassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/TargetParser/SubtargetFeature.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/Mem2Reg.h>
#include <wabt/cast.h>
#include <wabt/ir.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "compile/code_map_codegen.h"
#include "compile/translator.h"

namespace tern::compile {



namespace {

void initLlvmOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

std::string hostFeatures() {
  llvm::SubtargetFeatures features;
  for (const auto& [name, enabled] : llvm::sys::getHostCPUFeatures()) {
    features.AddFeature(name, enabled);
  }
  return features.getString();
}

Result<std::unique_ptr<llvm::TargetMachine>> makeTargetMachine(bool optimize) {
  initLlvmOnce();
  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) return fail(ErrorCode::kCodegen, "no LLVM target: ", error);
  llvm::TargetOptions opts;
  auto level = optimize ? llvm::CodeGenOptLevel::Default : llvm::CodeGenOptLevel::None;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), hostFeatures(), opts, llvm::Reloc::PIC_,
      llvm::CodeModel::Small, level));
  if (!tm) return fail(ErrorCode::kCodegen, "cannot create target machine");
  return tm;
}

// Entry trampoline: void(code, callee, caller, slots) calls `code` with args from slots.
void emitEntryTrampoline(CodegenEnv& env, uint32_t type_index) {
  const FuncType& t = env.info.types[type_index];
  auto* fty = llvm::FunctionType::get(llvm::Type::getVoidTy(env.context),
                                      {env.ptr, env.ptr, env.ptr, env.ptr}, false);
  auto* fn = llvm::Function::Create(fty, llvm::GlobalValue::ExternalLinkage,
                                    entrySymbol(type_index), env.module);
  fn->setDSOLocal(true);
  fn->addFnAttr("frame-pointer", "all");
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(env.context, "entry", fn));
  llvm::Value* slots = fn->getArg(3);
  std::vector<llvm::Value*> args = {fn->getArg(1), fn->getArg(2)};
  for (size_t i = 0; i < t.params.size(); ++i) {
    llvm::Value* p = b.CreateConstInBoundsGEP1_64(env.i8, slots, i * sizeof(vm::RawValue));
    args.push_back(b.CreateAlignedLoad(env.llvmType(t.params[i]), p, llvm::MaybeAlign(16)));
  }
  llvm::Value* r = b.CreateCall(env.wasmFunctionType(type_index), fn->getArg(0), args);
  for (size_t i = 0; i < t.results.size(); ++i) {
    llvm::Value* v = t.results.size() == 1 ? r : b.CreateExtractValue(r, {unsigned(i)});
    llvm::Value* p = b.CreateConstInBoundsGEP1_64(env.i8, slots, i * sizeof(vm::RawValue));
    b.CreateAlignedStore(v, p, llvm::MaybeAlign(16));
  }
  b.CreateRetVoid();
}

// Host adapter: Wasm signature; spills args to slots, calls HostFuncContext::dispatch.
void emitHostAdapter(CodegenEnv& env, uint32_t type_index) {
  const FuncType& t = env.info.types[type_index];
  auto* fn = llvm::Function::Create(env.wasmFunctionType(type_index),
                                    llvm::GlobalValue::ExternalLinkage,
                                    hostAdapterSymbol(type_index), env.module);
  fn->setDSOLocal(true);
  fn->addFnAttr("frame-pointer", "all");
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(env.context, "entry", fn));
  size_t n = std::max<size_t>({t.params.size(), t.results.size(), 1});
  auto* slot_type = llvm::ArrayType::get(env.v128, n);
  llvm::AllocaInst* slots = b.CreateAlloca(slot_type);
  slots->setAlignment(llvm::Align(16));
  for (size_t i = 0; i < t.params.size(); ++i) {
    llvm::Value* p = b.CreateConstInBoundsGEP1_64(env.i8, slots, i * sizeof(vm::RawValue));
    b.CreateAlignedStore(fn->getArg(2 + i), p, llvm::MaybeAlign(16));
  }
  llvm::Value* host = fn->getArg(0);
  llvm::Value* dispatch = b.CreateLoad(env.ptr, host);  // HostFuncContext::dispatch at offset 0
  auto* dty = llvm::FunctionType::get(llvm::Type::getVoidTy(env.context),
                                      {env.ptr, env.ptr, env.ptr}, false);
  b.CreateCall(dty, dispatch, {host, fn->getArg(1), slots});
  if (t.results.empty()) {
    b.CreateRetVoid();
    return;
  }
  std::vector<llvm::Value*> results;
  for (size_t i = 0; i < t.results.size(); ++i) {
    llvm::Value* p = b.CreateConstInBoundsGEP1_64(env.i8, slots, i * sizeof(vm::RawValue));
    results.push_back(b.CreateAlignedLoad(env.llvmType(t.results[i]), p, llvm::MaybeAlign(16)));
  }
  if (results.size() == 1) {
    b.CreateRet(results[0]);
    return;
  }
  llvm::Value* agg = llvm::UndefValue::get(env.resultType(t));
  for (size_t i = 0; i < results.size(); ++i) agg = b.CreateInsertValue(agg, results[i], {unsigned(i)});
  b.CreateRet(agg);
}

void runPasses(llvm::Module& module, llvm::TargetMachine& tm, bool optimize) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  if (optimize) {
    llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
    mpm.run(module, mam);
    return;
  }
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::PromotePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.run(module, mam);
}

struct Partition {
  std::vector<uint8_t> object;
  std::vector<FunctionMap> maps;
};

// Line-table-only debug info: each function gets a subprogram, each located instruction a line
// that is its Wasm offset (translator_location.cc).
void addDebugInfo(llvm::Module& module, llvm::DIBuilder& di, CodegenEnv& env,
                  const DecodedModule& m) {
  module.addModuleFlag(llvm::Module::Warning, "Debug Info Version", llvm::DEBUG_METADATA_VERSION);
  module.addModuleFlag(llvm::Module::Warning, "Dwarf Version", 4);
  env.di = &di;
  env.di_file = di.createFile("wasm", "");
  di.createCompileUnit(llvm::dwarf::DW_LANG_C, env.di_file, "tern", false, "", 0, "",
                       llvm::DICompileUnit::LineTablesOnly);
  env.di_type = di.createSubroutineType(di.getOrCreateTypeArray({}));
  env.first_instr_offsets = &m.first_instr_offsets;
}

Result<Partition> compilePartition(const DecodedModule& m, uint32_t first, uint32_t last,
                                   bool with_trampolines, bool optimize) {
  auto tm = makeTargetMachine(optimize);
  if (!tm) return fail(tm.error());
  llvm::LLVMContext context;
  auto module = std::make_unique<llvm::Module>("wasm", context);
  module->setDataLayout((*tm)->createDataLayout());
  module->setTargetTriple((*tm)->getTargetTriple().str());
  CodegenEnv env(context, *module, *m.ir, m.info);
  llvm::DIBuilder di(*module);
  addDebugInfo(*module, di, env, m);
  for (uint32_t f = first; f < last; ++f) FunctionTranslator(env, f).translate();
  di.finalize();
  if (with_trampolines) {
    for (uint32_t t = 0; t < m.info.types.size(); ++t) {
      emitEntryTrampoline(env, t);
      emitHostAdapter(env, t);
    }
  }
  std::string verify_errors;
  llvm::raw_string_ostream vs(verify_errors);
  if (llvm::verifyModule(*module, &vs)) {
    return fail(ErrorCode::kCodegen, "generated IR is invalid: ", vs.str().substr(0, 2000));
  }
  runPasses(*module, **tm, optimize);
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if ((*tm)->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    return fail(ErrorCode::kCodegen, "target cannot emit object files");
  }
  pm.run(*module);
  std::vector<uint8_t> object(buffer.begin(), buffer.end());
  auto maps = readAddressMaps(object);
  if (!maps) return fail(maps.error());
  auto stripped = stripDebugSections(object);
  if (!stripped) return fail(stripped.error());
  return Partition{std::move(*stripped), std::move(*maps)};
}

// The module's CodeMap: every partition's address rows plus the module's own DWARF lines.
std::vector<uint8_t> buildCodeMap(const DecodedModule& m, std::vector<std::vector<FunctionMap>> parts) {
  CodeMap map;
  for (auto& p : parts) {
    for (auto& f : p) map.functions.push_back(std::move(f));
  }
  std::sort(map.functions.begin(), map.functions.end(),
            [](const FunctionMap& a, const FunctionMap& b) { return a.func_index < b.func_index; });
  for (auto& f : map.functions) {
    if (f.func_index >= m.ir->funcs.size()) continue;
    f.body_offset = static_cast<uint32_t>(m.ir->funcs[f.func_index]->loc.offset);
    f.body_end = std::max(f.body_offset, m.body_ends[f.func_index]);
  }
  readSourceLines(m, map);
  return encodeCodeMap(map);
}

Result<ObjectCode> generateInProcess(const DecodedModule& m, const CodegenOptions& options) {
  uint32_t first_defined = m.info.num_imported_funcs;
  uint32_t total = static_cast<uint32_t>(m.info.func_types.size());
  uint32_t defined = total - first_defined;
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  // Several partitions per thread balance uneven function sizes; tiny modules get one.
  uint32_t partitions = std::clamp<uint32_t>(defined / 64, 1, threads * 4);
  threads = std::min<unsigned>(threads, partitions);

  ObjectCode out;
  out.objects.resize(partitions);
  std::vector<std::vector<FunctionMap>> maps(partitions);
  std::vector<Error> errors;
  std::mutex errors_mutex;
  std::atomic<uint32_t> next{0};
  auto worker = [&] {
    for (uint32_t p; (p = next.fetch_add(1)) < partitions;) {
      uint32_t a = first_defined + static_cast<uint32_t>(uint64_t(defined) * p / partitions);
      uint32_t b = first_defined + static_cast<uint32_t>(uint64_t(defined) * (p + 1) / partitions);
      auto obj = compilePartition(m, a, b, p == 0, options.optimize);
      if (!obj) {
        std::lock_guard lock(errors_mutex);
        errors.push_back(obj.error());
        continue;
      }
      out.objects[p] = std::move(obj->object);
      maps[p] = std::move(obj->maps);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (!errors.empty()) return fail(errors.front());
  out.code_map = buildCodeMap(m, std::move(maps));
  return out;
}

}  // namespace

}  // namespace tern::compile

extern "C" __attribute__((visibility("default"))) bool ternCodegenGenerate(
    const tern::compile::DecodedModule* module, const tern::compile::CodegenOptions* options,
    tern::compile::ObjectCode* out, tern::Error* error) {
  auto r = tern::compile::generateInProcess(*module, *options);
  if (!r) {
    *error = r.error();
    return false;
  }
  *out = std::move(*r);
  return true;
}
