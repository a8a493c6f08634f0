// Lowers Wasm function bodies (wabt IR) to LLVM IR: control flow, calls, scalar numerics,
// memory, tables, globals. Spec references are to the WebAssembly 2.0 core spec, section 4.4.
#include "compile/translator.h"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>
#include <wabt/cast.h>
#include <wabt/ir.h>

#include "compile/vm_abi.h"

namespace tern::compile {

using llvm::BasicBlock;
using llvm::Value;
namespace Intr = llvm::Intrinsic;
using Op = wabt::Opcode;

namespace {

constexpr uint32_t helperSlot(size_t offset) { return static_cast<uint32_t>(offset / sizeof(void*)); }
#define HELPER(name) helperSlot(offsetof(vm::VMHelpers, name))

Result<ValType> lower(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32: return ValType::kI32;
    case wabt::Type::I64: return ValType::kI64;
    case wabt::Type::F32: return ValType::kF32;
    case wabt::Type::F64: return ValType::kF64;
    case wabt::Type::V128: return ValType::kV128;
    case wabt::Type::FuncRef: return ValType::kFuncRef;
    default: return ValType::kExternRef;
  }
}

std::vector<ValType> lowerAll(const wabt::TypeVector& ts) {
  std::vector<ValType> out;
  for (auto t : ts) out.push_back(*lower(t));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// CodegenEnv

CodegenEnv::CodegenEnv(llvm::LLVMContext& c, llvm::Module& m, const wabt::Module& ir_module,
                       const ModuleInfo& module_info)
    : context(c), module(m), ir(ir_module), info(module_info) {
  i8 = llvm::Type::getInt8Ty(c);
  i16 = llvm::Type::getInt16Ty(c);
  i32 = llvm::Type::getInt32Ty(c);
  i64 = llvm::Type::getInt64Ty(c);
  f32 = llvm::Type::getFloatTy(c);
  f64 = llvm::Type::getDoubleTy(c);
  v128 = llvm::FixedVectorType::get(i32, 4);
  ptr = llvm::PointerType::get(c, 0);
  fn_types_.resize(info.types.size(), nullptr);
}

llvm::Type* CodegenEnv::llvmType(ValType t) const {
  switch (t) {
    case ValType::kI32: return i32;
    case ValType::kI64: return i64;
    case ValType::kF32: return f32;
    case ValType::kF64: return f64;
    case ValType::kV128: return v128;
    case ValType::kFuncRef:
    case ValType::kExternRef: return ptr;
  }
  return i32;
}

llvm::Type* CodegenEnv::resultType(const FuncType& type) {
  if (type.results.empty()) return llvm::Type::getVoidTy(context);
  if (type.results.size() == 1) return llvmType(type.results[0]);
  std::vector<llvm::Type*> fields;
  for (auto t : type.results) fields.push_back(llvmType(t));
  return llvm::StructType::get(context, fields);
}

llvm::FunctionType* CodegenEnv::wasmFunctionType(uint32_t type_index) {
  if (fn_types_[type_index]) return fn_types_[type_index];
  const FuncType& t = info.types[type_index];
  std::vector<llvm::Type*> params = {ptr, ptr};
  for (auto p : t.params) params.push_back(llvmType(p));
  fn_types_[type_index] = llvm::FunctionType::get(resultType(t), params, false);
  return fn_types_[type_index];
}

std::string CodegenEnv::functionSymbol(uint32_t index) { return "tern_f" + std::to_string(index); }

llvm::Function* CodegenEnv::function(uint32_t index) {
  std::string name = functionSymbol(index);
  if (llvm::Function* f = module.getFunction(name)) return f;
  auto* type = wasmFunctionType(info.func_types[index]);
  auto* f = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, name, module);
  f->setDSOLocal(true);  // resolved by Tern's own loader: direct calls, no PLT
  return f;
}

// ---------------------------------------------------------------------------------------------
// FunctionTranslator: set-up

FunctionTranslator::FunctionTranslator(CodegenEnv& env, uint32_t func_index)
    : env_(env),
      func_index_(func_index),
      func_(*env.ir.funcs[func_index]),
      type_(env.info.funcType(func_index)),
      fn_(env.function(func_index)),
      b_(env.context) {
  unlikely_ = llvm::MDBuilder(env.context).createBranchWeights(1, 1 << 20);
}

Value* FunctionTranslator::loadField(Value* base, uint32_t offset, llvm::Type* type,
                                     const char* name) {
  Value* p = offset ? b_.CreateConstInBoundsGEP1_64(env_.i8, base, offset) : base;
  return b_.CreateLoad(type, p, name);
}

Value* FunctionTranslator::callIntrinsic(unsigned id, llvm::ArrayRef<llvm::Type*> types,
                                         llvm::ArrayRef<Value*> args) {
  llvm::Function* f = Intr::getDeclaration(&env_.module, static_cast<Intr::ID>(id), types);
  return b_.CreateCall(f, args);
}

void FunctionTranslator::translate() {
  fn_->setCallingConv(llvm::CallingConv::C);
  fn_->addFnAttr("frame-pointer", "all");
  fn_->addFnAttr(llvm::Attribute::NoUnwind);
  BasicBlock* entry = BasicBlock::Create(env_.context, "entry", fn_);
  b_.SetInsertPoint(entry);

  ctx_ = fn_->getArg(0);
  helpers_ = loadField(ctx_, vm::kOffHelpers, env_.ptr, "helpers");
  limits_ = loadField(ctx_, vm::kOffLimits, env_.ptr, "limits");
  epoch_ptr_ = loadField(limits_, offsetof(vm::VMLimits, epoch), env_.ptr, "epoch_ptr");
  if (!env_.info.memories.empty()) {
    mem_base_ = loadField(ctx_, vm::kOffMemory0Base, env_.ptr, "mem0");
  }

  // Locals: params then declared locals, all in allocas (mem2reg promotes them).
  for (size_t i = 0; i < type_.params.size(); ++i) {
    auto* slot = b_.CreateAlloca(env_.llvmType(type_.params[i]));
    b_.CreateStore(fn_->getArg(2 + i), slot);
    locals_.push_back(slot);
    local_types_.push_back(type_.params[i]);
  }
  for (wabt::Type t : func_.local_types) {
    ValType vt = *lower(t);
    llvm::Type* lt = env_.llvmType(vt);
    auto* slot = b_.CreateAlloca(lt);
    b_.CreateStore(llvm::Constant::getNullValue(lt), slot);
    locals_.push_back(slot);
    local_types_.push_back(vt);
  }

  beginFunctionLocation();
  emitStackCheck();
  emitEpochCheck();

  BasicBlock* ret = BasicBlock::Create(env_.context, "return", fn_);
  controls_.push_back(makeControl(Control::Kind::kFunction, {}, type_.results, ret, ret));
  translateList(&func_.exprs);
  finishBlock(controls_.back(), /*reachable=*/b_.GetInsertBlock() != nullptr);
  Control fc = controls_.back();
  controls_.pop_back();

  if (b_.GetInsertBlock() == nullptr) return;  // the end is unreachable
  if (type_.results.empty()) {
    b_.CreateRetVoid();
  } else if (type_.results.size() == 1) {
    b_.CreateRet(pop());
  } else {
    auto vals = popN(type_.results.size());
    Value* agg = llvm::UndefValue::get(env_.resultType(type_));
    for (size_t i = 0; i < vals.size(); ++i) agg = b_.CreateInsertValue(agg, vals[i], {unsigned(i)});
    b_.CreateRet(agg);
  }
}

void FunctionTranslator::emitStackCheck() {
  Value* fa = callIntrinsic(Intr::frameaddress, {env_.ptr}, {b_.getInt32(0)});
  Value* limit = loadField(limits_, offsetof(vm::VMLimits, stack_limit), env_.i64, "stack_limit");
  trapIf(b_.CreateICmpULT(b_.CreatePtrToInt(fa, env_.i64), limit), vm::TrapKind::kStackExhausted);
}

void FunctionTranslator::emitEpochCheck() {
  Value* epoch = b_.CreateLoad(env_.i64, epoch_ptr_, "epoch");
  llvm::cast<llvm::LoadInst>(epoch)->setVolatile(true);
  Value* deadline = loadField(limits_, offsetof(vm::VMLimits, deadline_epoch), env_.i64, "deadline");
  Value* expired = b_.CreateICmpUGE(epoch, deadline);
  BasicBlock* slow = BasicBlock::Create(env_.context, "deadline", fn_);
  BasicBlock* cont = BasicBlock::Create(env_.context, "cont", fn_);
  b_.CreateCondBr(expired, slow, cont, unlikely_);
  b_.SetInsertPoint(slow);
  helper(HELPER(deadline), llvm::FunctionType::get(b_.getVoidTy(), {env_.ptr}, false), {ctx_});
  b_.CreateBr(cont);
  b_.SetInsertPoint(cont);
}

Value* FunctionTranslator::helper(uint32_t slot, llvm::FunctionType* type,
                                  llvm::ArrayRef<Value*> args) {
  Value* fp = loadField(helpers_, slot * sizeof(void*), env_.ptr, "helper");
  return b_.CreateCall(type, fp, args);
}

BasicBlock* FunctionTranslator::trapBlock(vm::TrapKind kind) {
  auto idx = static_cast<size_t>(kind);
  if (trap_blocks_[idx]) return trap_blocks_[idx];
  BasicBlock* saved = b_.GetInsertBlock();
  BasicBlock* bb = BasicBlock::Create(env_.context, "trap", fn_);
  b_.SetInsertPoint(bb);
  auto* type = llvm::FunctionType::get(b_.getVoidTy(), {env_.ptr, env_.i32}, false);
  auto* call = llvm::cast<llvm::CallInst>(helper(HELPER(trap), type, {ctx_, i32(idx)}));
  call->setDoesNotReturn();
  // One trap call per site: its return address tells the backtrace which instruction trapped.
  call->addFnAttr(llvm::Attribute::NoMerge);
  b_.CreateUnreachable();
  trap_blocks_[idx] = bb;
  b_.SetInsertPoint(saved);
  return bb;
}

void FunctionTranslator::trapIf(Value* cond, vm::TrapKind kind) {
  BasicBlock* cont = BasicBlock::Create(env_.context, "ok", fn_);
  b_.CreateCondBr(cond, trapBlock(kind), cont, unlikely_);
  b_.SetInsertPoint(cont);
}

// ---------------------------------------------------------------------------------------------
// Operand stack helpers

Value* FunctionTranslator::popAs(llvm::Type* t) {
  Value* v = pop();
  if (v->getType() != t) v = b_.CreateBitCast(v, t);
  return v;
}

std::vector<Value*> FunctionTranslator::popN(size_t n) {
  std::vector<Value*> out(stack_.end() - n, stack_.end());
  stack_.resize(stack_.size() - n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Control flow (spec 4.4.8)

FunctionTranslator::Control FunctionTranslator::makeControl(Control::Kind kind,
                                                            const std::vector<ValType>& params,
                                                            const std::vector<ValType>& results,
                                                            BasicBlock* target, BasicBlock* end) {
  Control c{kind, target, {}, end, {}, stack_.size() - params.size()};
  for (auto t : results) {
    c.end_phis.push_back(llvm::PHINode::Create(env_.llvmType(t), 2, "res", end));
  }
  if (kind == Control::Kind::kLoop) {
    for (auto t : params) {
      c.target_phis.push_back(llvm::PHINode::Create(env_.llvmType(t), 2, "lp", target));
    }
  } else {
    c.target_phis = c.end_phis;
  }
  return c;
}

void FunctionTranslator::blockSignature(const void* decl_ptr, std::vector<ValType>* params,
                                        std::vector<ValType>* results) {
  const auto& decl = *static_cast<const wabt::FuncDeclaration*>(decl_ptr);
  if (decl.has_func_type) {
    const FuncType& t = env_.info.types[env_.ir.GetFuncTypeIndex(decl.type_var)];
    *params = t.params;
    *results = t.results;
  } else {
    *params = lowerAll(decl.sig.param_types);
    *results = lowerAll(decl.sig.result_types);
  }
}

// Feeds the top-of-stack values into a label's PHIs for an edge from `from`.
void FunctionTranslator::addIncoming(Control& c, BasicBlock* from, bool to_end) {
  auto& phis = to_end ? c.end_phis : c.target_phis;
  size_t n = phis.size();
  for (size_t i = 0; i < n; ++i) {
    Value* v = stack_[stack_.size() - n + i];
    // Callers position the builder at the end of `from`, before its terminator exists.
    if (v->getType() != phis[i]->getType()) v = b_.CreateBitCast(v, phis[i]->getType());
    phis[i]->addIncoming(v, from);
  }
}

void FunctionTranslator::branchTo(uint32_t depth) {
  Control& c = controls_[controls_.size() - 1 - depth];
  addIncoming(c, b_.GetInsertBlock(), false);
  b_.CreateBr(c.target);
}

// Called at a block's `end`: branch into the continuation and make it current.
void FunctionTranslator::finishBlock(Control& c, bool reachable) {
  if (reachable) {
    addIncoming(c, b_.GetInsertBlock(), true);
    b_.CreateBr(c.end);
  }
  stack_.resize(c.stack_height);
  if (llvm::pred_empty(c.end)) {
    for (auto* phi : c.end_phis) phi->eraseFromParent();
    c.end->eraseFromParent();
    b_.ClearInsertionPoint();
    return;
  }
  b_.SetInsertPoint(c.end);
  for (auto* phi : c.end_phis) push(phi);
}

void FunctionTranslator::translateList(const void* list_ptr) {
  const auto& list = *static_cast<const wabt::ExprList*>(list_ptr);
  for (const wabt::Expr& e : list) {
    locateInstruction(e);
    bool reachable = translateExpr(e);
    next_offset_ = endOffset(e);
    if (!reachable) {
      b_.ClearInsertionPoint();
      return;
    }
    if (!b_.GetInsertBlock()) return;
  }
}

void FunctionTranslator::translateBlock(const wabt::Expr& e) {
  const auto& blk = wabt::cast<wabt::BlockExpr>(&e)->block;
  std::vector<ValType> params, results;
  blockSignature(&blk.decl, &params, &results);
  BasicBlock* end = BasicBlock::Create(env_.context, "block_end", fn_);
  controls_.push_back(makeControl(Control::Kind::kBlock, params, results, end, end));
  next_offset_ = static_cast<uint32_t>(e.loc.offset);
  translateList(&blk.exprs);
  bool reachable = b_.GetInsertBlock() != nullptr;
  Control c = controls_.back();
  controls_.pop_back();
  finishBlock(c, reachable);
}

void FunctionTranslator::translateLoop(const wabt::Expr& e) {
  const auto& blk = wabt::cast<wabt::LoopExpr>(&e)->block;
  std::vector<ValType> params, results;
  blockSignature(&blk.decl, &params, &results);
  BasicBlock* header = BasicBlock::Create(env_.context, "loop", fn_);
  BasicBlock* end = BasicBlock::Create(env_.context, "loop_end", fn_);
  Control c = makeControl(Control::Kind::kLoop, params, results, header, end);
  controls_.push_back(c);
  addIncoming(controls_.back(), b_.GetInsertBlock(), false);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  stack_.resize(c.stack_height);
  for (auto* phi : controls_.back().target_phis) push(phi);
  emitEpochCheck();
  next_offset_ = static_cast<uint32_t>(e.loc.offset);
  translateList(&blk.exprs);
  bool reachable = b_.GetInsertBlock() != nullptr;
  c = controls_.back();
  controls_.pop_back();
  finishBlock(c, reachable);
}

void FunctionTranslator::translateIf(const wabt::Expr& e) {
  const auto* ife = wabt::cast<wabt::IfExpr>(&e);
  std::vector<ValType> params, results;
  blockSignature(&ife->true_.decl, &params, &results);
  Value* cond = b_.CreateICmpNE(pop(), i32(0));
  BasicBlock* then_bb = BasicBlock::Create(env_.context, "then", fn_);
  BasicBlock* else_bb = BasicBlock::Create(env_.context, "else", fn_);
  BasicBlock* end = BasicBlock::Create(env_.context, "if_end", fn_);
  b_.CreateCondBr(cond, then_bb, else_bb);
  std::vector<Value*> args(stack_.end() - params.size(), stack_.end());

  controls_.push_back(makeControl(Control::Kind::kIf, params, results, end, end));
  b_.SetInsertPoint(then_bb);
  next_offset_ = static_cast<uint32_t>(e.loc.offset);
  translateList(&ife->true_.exprs);
  if (b_.GetInsertBlock()) {
    addIncoming(controls_.back(), b_.GetInsertBlock(), true);
    b_.CreateBr(end);
  }
  stack_.resize(controls_.back().stack_height);
  stack_.insert(stack_.end(), args.begin(), args.end());
  b_.SetInsertPoint(else_bb);
  next_offset_ = static_cast<uint32_t>(ife->true_.end_loc.offset);
  translateList(&ife->false_);  // an absent else passes the params through as results
  bool reachable = b_.GetInsertBlock() != nullptr;
  Control c = controls_.back();
  controls_.pop_back();
  finishBlock(c, reachable);
}

void FunctionTranslator::translateBrTable(const wabt::Expr& e) {
  const auto* bt = wabt::cast<wabt::BrTableExpr>(&e);
  Value* index = pop();
  // One landing block per distinct target so each PHI sees a single edge per predecessor.
  std::map<uint32_t, BasicBlock*> landings;
  auto landing = [&](uint32_t depth) {
    auto it = landings.find(depth);
    if (it != landings.end()) return it->second;
    BasicBlock* saved = b_.GetInsertBlock();
    BasicBlock* bb = BasicBlock::Create(env_.context, "br_table_case", fn_);
    b_.SetInsertPoint(bb);
    branchTo(depth);
    b_.SetInsertPoint(saved);
    landings[depth] = bb;
    return bb;
  };
  BasicBlock* dflt = landing(bt->default_target.index());
  auto* sw = b_.CreateSwitch(index, dflt, static_cast<unsigned>(bt->targets.size()));
  for (size_t i = 0; i < bt->targets.size(); ++i) {
    sw->addCase(b_.getInt32(static_cast<uint32_t>(i)), landing(bt->targets[i].index()));
  }
}

// ---------------------------------------------------------------------------------------------
// Calls

void FunctionTranslator::emitCall(llvm::FunctionType* type, Value* callee, Value* callee_ctx,
                                  const FuncType& sig) {
  auto args = popN(sig.params.size());
  std::vector<Value*> call_args = {callee_ctx, ctx_};
  for (size_t i = 0; i < args.size(); ++i) {
    Value* a = args[i];
    llvm::Type* want = type->getParamType(2 + i);
    if (a->getType() != want) a = b_.CreateBitCast(a, want);
    call_args.push_back(a);
  }
  Value* r = b_.CreateCall(type, callee, call_args);
  if (sig.results.size() == 1) {
    push(r);
  } else {
    for (unsigned i = 0; i < sig.results.size(); ++i) push(b_.CreateExtractValue(r, {i}));
  }
}

void FunctionTranslator::translateCall(uint32_t callee) {
  const FuncType& sig = env_.info.funcType(callee);
  llvm::FunctionType* type = env_.wasmFunctionType(env_.info.func_types[callee]);
  if (callee >= env_.info.num_imported_funcs) {
    emitCall(type, env_.function(callee), ctx_, sig);
    return;
  }
  Value* funcs = loadField(ctx_, vm::kOffFuncs, env_.ptr, "funcs");
  Value* ref = b_.CreateConstInBoundsGEP1_64(env_.i8, funcs, callee * sizeof(vm::VMFuncRef));
  Value* code = loadField(ref, offsetof(vm::VMFuncRef, code), env_.ptr, "code");
  Value* cctx = loadField(ref, offsetof(vm::VMFuncRef, context), env_.ptr, "callee_ctx");
  emitCall(type, code, cctx, sig);
}

void FunctionTranslator::translateCallIndirect(const wabt::Expr& e) {
  const auto* ci = wabt::cast<wabt::CallIndirectExpr>(&e);
  uint32_t type_index = env_.ir.GetFuncTypeIndex(ci->decl);
  uint32_t table = env_.ir.GetTableIndex(ci->table);
  Value* index = pop();
  Value* t = tablePtr(table);
  Value* size = loadField(t, offsetof(vm::VMTable, size), env_.i32, "tsize");
  trapIf(b_.CreateICmpUGE(index, size), vm::TrapKind::kTableOutOfBounds);
  Value* elems = loadField(t, offsetof(vm::VMTable, elements), env_.ptr, "elems");
  Value* slot = b_.CreateInBoundsGEP(env_.ptr, elems, b_.CreateZExt(index, env_.i64));
  Value* ref = b_.CreateLoad(env_.ptr, slot, "ref");
  trapIf(b_.CreateIsNull(ref), vm::TrapKind::kIndirectCallNull);
  Value* type_ids = loadField(ctx_, vm::kOffTypeIds, env_.ptr, "type_ids");
  Value* expected = loadField(type_ids, type_index * 4, env_.i32, "want");
  Value* actual = loadField(ref, offsetof(vm::VMFuncRef, type_id), env_.i32, "have");
  trapIf(b_.CreateICmpNE(expected, actual), vm::TrapKind::kIndirectCallSignature);
  Value* code = loadField(ref, offsetof(vm::VMFuncRef, code), env_.ptr, "code");
  Value* cctx = loadField(ref, offsetof(vm::VMFuncRef, context), env_.ptr, "callee_ctx");
  emitCall(env_.wasmFunctionType(type_index), code, cctx, env_.info.types[type_index]);
}

// ---------------------------------------------------------------------------------------------
// Runtime structures

Value* FunctionTranslator::globalPtr(uint32_t index) {
  Value* globals = loadField(ctx_, vm::kOffGlobals, env_.ptr, "globals");
  return loadField(globals, index * sizeof(void*), env_.ptr, "global");
}

Value* FunctionTranslator::tablePtr(uint32_t index) {
  Value* tables = loadField(ctx_, vm::kOffTables, env_.ptr, "tables");
  return loadField(tables, index * sizeof(void*), env_.ptr, "table");
}

Value* FunctionTranslator::memoryAddress(Value* index, uint64_t offset) {
  Value* addr = b_.CreateZExt(index, env_.i64);
  if (offset) addr = b_.CreateAdd(addr, i64(offset));
  return b_.CreateGEP(env_.i8, mem_base_, addr);
}

}  // namespace tern::compile
