// Lowers individual Wasm instructions (numeric, memory, table, variable) to LLVM IR.
#include <llvm/IR/Intrinsics.h>
#include <wabt/cast.h>
#include <wabt/ir.h>

#include <cstring>

#include "compile/translator.h"

namespace tern::compile {

using llvm::BasicBlock;
using llvm::Value;
namespace Intr = llvm::Intrinsic;
using Op = wabt::Opcode;

#define HELPER(name) static_cast<uint32_t>(offsetof(vm::VMHelpers, name) / sizeof(void*))

namespace {
bool isSimd(const wabt::Opcode& op) { return op.GetPrefix() == 0xfd; }
}  // namespace

bool FunctionTranslator::translateExpr(const wabt::Expr& e) {
  using ET = wabt::ExprType;
  switch (e.type()) {
    case ET::Nop:
      return true;
    case ET::Unreachable:
      b_.CreateBr(trapBlock(vm::TrapKind::kUnreachable));
      return false;
    case ET::Block:
      translateBlock(e);
      return true;
    case ET::Loop:
      translateLoop(e);
      return true;
    case ET::If:
      translateIf(e);
      return true;
    case ET::Br:
      branchTo(wabt::cast<wabt::BrExpr>(&e)->var.index());
      return false;
    case ET::BrIf: {
      uint32_t depth = wabt::cast<wabt::BrIfExpr>(&e)->var.index();
      Value* cond = b_.CreateICmpNE(pop(), i32(0));
      Control& c = controls_[controls_.size() - 1 - depth];
      BasicBlock* cont = BasicBlock::Create(env_.context, "br_if_cont", fn_);
      addIncoming(c, b_.GetInsertBlock(), false);
      b_.CreateCondBr(cond, c.target, cont);
      b_.SetInsertPoint(cont);
      return true;
    }
    case ET::BrTable:
      translateBrTable(e);
      return false;
    case ET::Return:
      branchTo(static_cast<uint32_t>(controls_.size() - 1));
      return false;
    case ET::Call:
      translateCall(env_.ir.GetFuncIndex(wabt::cast<wabt::CallExpr>(&e)->var));
      return true;
    case ET::CallIndirect:
      translateCallIndirect(e);
      return true;
    case ET::Drop: {
      Value* v = pop();
      // Keep a dropped load: its bounds trap is observable (spec 4.4.7).
      for (;;) {  // look through extensions and SIMD lane placement
        if (auto* cast = llvm::dyn_cast<llvm::CastInst>(v)) {
          v = cast->getOperand(0);
        } else if (auto* shuf = llvm::dyn_cast<llvm::ShuffleVectorInst>(v)) {
          v = shuf->getOperand(0);
        } else if (auto* ins = llvm::dyn_cast<llvm::InsertElementInst>(v)) {
          v = ins->getOperand(1);
        } else {
          break;
        }
      }
      if (auto* load = llvm::dyn_cast<llvm::LoadInst>(v)) load->setVolatile(true);
      return true;
    }
    case ET::Select: {
      Value* cond = b_.CreateICmpNE(pop(), i32(0));
      Value* f = pop();
      Value* t = pop();
      if (f->getType() != t->getType()) f = b_.CreateBitCast(f, t->getType());
      push(b_.CreateSelect(cond, t, f));
      return true;
    }
    case ET::LocalGet: {
      uint32_t i = wabt::cast<wabt::LocalGetExpr>(&e)->var.index();
      push(b_.CreateLoad(locals_[i]->getAllocatedType(), locals_[i]));
      return true;
    }
    case ET::LocalSet: {
      uint32_t i = wabt::cast<wabt::LocalSetExpr>(&e)->var.index();
      b_.CreateStore(popAs(locals_[i]->getAllocatedType()), locals_[i]);
      return true;
    }
    case ET::LocalTee: {
      uint32_t i = wabt::cast<wabt::LocalTeeExpr>(&e)->var.index();
      Value* v = popAs(locals_[i]->getAllocatedType());
      b_.CreateStore(v, locals_[i]);
      push(v);
      return true;
    }
    case ET::GlobalGet: {
      uint32_t i = env_.ir.GetGlobalIndex(wabt::cast<wabt::GlobalGetExpr>(&e)->var);
      push(b_.CreateLoad(env_.llvmType(env_.info.globals[i].type), globalPtr(i)));
      return true;
    }
    case ET::GlobalSet: {
      uint32_t i = env_.ir.GetGlobalIndex(wabt::cast<wabt::GlobalSetExpr>(&e)->var);
      b_.CreateStore(popAs(env_.llvmType(env_.info.globals[i].type)), globalPtr(i));
      return true;
    }
    case ET::Const: {
      const auto& c = wabt::cast<wabt::ConstExpr>(&e)->const_;
      switch (c.type()) {
        case wabt::Type::I32: push(i32(c.u32())); break;
        case wabt::Type::I64: push(i64(c.u64())); break;
        case wabt::Type::F32:
          push(llvm::ConstantFP::get(env_.context,
                                     llvm::APFloat(llvm::APFloat::IEEEsingle(), llvm::APInt(32, c.f32_bits()))));
          break;
        case wabt::Type::F64:
          push(llvm::ConstantFP::get(env_.context,
                                     llvm::APFloat(llvm::APFloat::IEEEdouble(), llvm::APInt(64, c.f64_bits()))));
          break;
        default: {  // v128
          ::v128 v = c.vec128();
          uint32_t lanes[4];
          std::memcpy(lanes, &v, 16);
          push(llvm::ConstantDataVector::get(env_.context, llvm::ArrayRef<uint32_t>(lanes, 4)));
        }
      }
      return true;
    }
    case ET::Unary:
    case ET::Binary:
    case ET::Compare:
    case ET::Convert:
    case ET::Ternary: {
      // Five distinct OpcodeExpr<> types: cast to the one `e` is (any other cast is UB).
      const wabt::Opcode op =
          e.type() == ET::Unary     ? wabt::cast<wabt::UnaryExpr>(&e)->opcode
          : e.type() == ET::Binary  ? wabt::cast<wabt::BinaryExpr>(&e)->opcode
          : e.type() == ET::Compare ? wabt::cast<wabt::CompareExpr>(&e)->opcode
          : e.type() == ET::Convert ? wabt::cast<wabt::ConvertExpr>(&e)->opcode
                                    : wabt::cast<wabt::TernaryExpr>(&e)->opcode;
      if (isSimd(op)) return translateSimd(e) || true;
      // wabt's Unary/Convert grouping differs from the spec's; each helper checks the opcode.
      if (translateUnary(op) || translateConvert(op) ||
          (stack_.size() >= 2 && (translateCompare(op) || translateBinary(op)))) {
        return true;
      }
      b_.CreateBr(trapBlock(vm::TrapKind::kUnreachable));
      return false;
    }
    case ET::Load:
      if (isSimd(wabt::cast<wabt::LoadExpr>(&e)->opcode)) return translateSimd(e) || true;
      translateLoad(e);
      return true;
    case ET::Store:
      if (isSimd(wabt::cast<wabt::StoreExpr>(&e)->opcode)) return translateSimd(e) || true;
      translateStore(e);
      return true;
    case ET::SimdLaneOp:
    case ET::SimdLoadLane:
    case ET::SimdStoreLane:
    case ET::SimdShuffleOp:
    case ET::LoadSplat:
    case ET::LoadZero:
      translateSimd(e);
      return true;
    case ET::MemorySize:
    case ET::MemoryGrow:
    case ET::MemoryFill:
    case ET::MemoryCopy:
    case ET::MemoryInit:
    case ET::DataDrop:
      translateMemoryOp(e);
      return true;
    case ET::TableGet:
    case ET::TableSet:
    case ET::TableGrow:
    case ET::TableSize:
    case ET::TableFill:
    case ET::TableCopy:
    case ET::TableInit:
    case ET::ElemDrop:
      translateTableOp(e);
      return true;
    case ET::RefNull:
      push(llvm::ConstantPointerNull::get(env_.ptr));
      return true;
    case ET::RefIsNull:
      push(b_.CreateZExt(b_.CreateIsNull(pop()), env_.i32));
      return true;
    case ET::RefFunc: {
      uint32_t f = env_.ir.GetFuncIndex(wabt::cast<wabt::RefFuncExpr>(&e)->var);
      Value* funcs = loadField(ctx_, vm::kOffFuncs, env_.ptr, "funcs");
      push(b_.CreateConstInBoundsGEP1_64(env_.i8, funcs, f * sizeof(vm::VMFuncRef)));
      return true;
    }
    default:
      // The front end rejects everything else (threads, exceptions, tail calls) before codegen.
      b_.CreateBr(trapBlock(vm::TrapKind::kUnreachable));
      return false;
  }
}

bool FunctionTranslator::translateUnary(uint32_t opcode) {
  switch (opcode) {
    case Op::I32Eqz:
    case Op::I64Eqz: {
      Value* v = pop();
      push(b_.CreateZExt(b_.CreateICmpEQ(v, llvm::Constant::getNullValue(v->getType())), env_.i32));
      return true;
    }
    case Op::I32Clz:
    case Op::I64Clz: {
      Value* v = pop();
      push(callIntrinsic(Intr::ctlz, {v->getType()}, {v, b_.getFalse()}));
      return true;
    }
    case Op::I32Ctz:
    case Op::I64Ctz: {
      Value* v = pop();
      push(callIntrinsic(Intr::cttz, {v->getType()}, {v, b_.getFalse()}));
      return true;
    }
    case Op::I32Popcnt:
    case Op::I64Popcnt: {
      Value* v = pop();
      push(callIntrinsic(Intr::ctpop, {v->getType()}, {v}));
      return true;
    }
    case Op::F32Abs:
    case Op::F64Abs: {
      Value* v = pop();
      push(callIntrinsic(Intr::fabs, {v->getType()}, {v}));
      return true;
    }
    case Op::F32Neg:
    case Op::F64Neg:
      push(b_.CreateFNeg(pop()));
      return true;
    case Op::F32Sqrt:
    case Op::F64Sqrt: {
      Value* v = pop();
      push(callIntrinsic(Intr::sqrt, {v->getType()}, {v}));
      return true;
    }
    case Op::F32Ceil:
    case Op::F64Ceil: {
      Value* v = pop();
      push(callIntrinsic(Intr::ceil, {v->getType()}, {v}));
      return true;
    }
    case Op::F32Floor:
    case Op::F64Floor: {
      Value* v = pop();
      push(callIntrinsic(Intr::floor, {v->getType()}, {v}));
      return true;
    }
    case Op::F32Trunc:
    case Op::F64Trunc: {
      Value* v = pop();
      push(callIntrinsic(Intr::trunc, {v->getType()}, {v}));
      return true;
    }
    case Op::F32Nearest:
    case Op::F64Nearest: {
      Value* v = pop();
      push(callIntrinsic(Intr::roundeven, {v->getType()}, {v}));
      return true;
    }
    default:
      return false;
  }
}

Value* FunctionTranslator::divRem(uint32_t opcode, Value* a, Value* b) {
  llvm::Type* t = a->getType();
  Value* zero = llvm::ConstantInt::get(t, 0);
  trapIf(b_.CreateICmpEQ(b, zero), vm::TrapKind::kIntegerDivideByZero);
  bool is64 = t == env_.i64;
  Value* minus1 = llvm::ConstantInt::get(t, ~uint64_t{0});
  Value* int_min = llvm::ConstantInt::get(t, is64 ? (uint64_t{1} << 63) : (uint64_t{1} << 31));
  switch (opcode) {
    case Op::I32DivS:
    case Op::I64DivS:
      trapIf(b_.CreateAnd(b_.CreateICmpEQ(a, int_min), b_.CreateICmpEQ(b, minus1)),
             vm::TrapKind::kIntegerOverflow);
      return b_.CreateSDiv(a, b);
    case Op::I32DivU:
    case Op::I64DivU:
      return b_.CreateUDiv(a, b);
    case Op::I32RemS:
    case Op::I64RemS: {
      // INT_MIN % -1 is 0 in Wasm but traps on x86: divide by 1 instead.
      Value* is_m1 = b_.CreateICmpEQ(b, minus1);
      Value* safe_b = b_.CreateSelect(is_m1, llvm::ConstantInt::get(t, 1), b);
      return b_.CreateSelect(is_m1, zero, b_.CreateSRem(a, safe_b));
    }
    default:
      return b_.CreateURem(a, b);
  }
}

namespace {
// x-0, x*1, x/1, x/-1, -0-x ... must still quiet a signalling NaN (spec 4.3.3), but LLVM folds
// them to x or -x. Hiding such constants behind an arithmetic fence keeps the operation.
bool foldsToIdentity(Value* v) {
  auto* c = llvm::dyn_cast<llvm::ConstantFP>(v);
  if (!c) return false;
  const llvm::APFloat& f = c->getValueAPF();
  return f.isZero() || f.isExactlyValue(1.0) || f.isExactlyValue(-1.0);
}
}  // namespace

bool FunctionTranslator::translateBinary(uint32_t opcode) {
  Value* b = pop();
  Value* a = pop();
  llvm::Type* t = a->getType();
  if (t->isFloatingPointTy()) {
    if (foldsToIdentity(a)) a = callIntrinsic(Intr::arithmetic_fence, {t}, {a});
    if (foldsToIdentity(b)) b = callIntrinsic(Intr::arithmetic_fence, {t}, {b});
  }
  auto mask = [&](Value* s) {
    return b_.CreateAnd(s, llvm::ConstantInt::get(t, t == env_.i64 ? 63 : 31));
  };
  switch (opcode) {
    case Op::I32Add: case Op::I64Add: push(b_.CreateAdd(a, b)); return true;
    case Op::I32Sub: case Op::I64Sub: push(b_.CreateSub(a, b)); return true;
    case Op::I32Mul: case Op::I64Mul: push(b_.CreateMul(a, b)); return true;
    case Op::I32DivS: case Op::I64DivS: case Op::I32DivU: case Op::I64DivU:
    case Op::I32RemS: case Op::I64RemS: case Op::I32RemU: case Op::I64RemU:
      push(divRem(opcode, a, b));
      return true;
    case Op::I32And: case Op::I64And: push(b_.CreateAnd(a, b)); return true;
    case Op::I32Or: case Op::I64Or: push(b_.CreateOr(a, b)); return true;
    case Op::I32Xor: case Op::I64Xor: push(b_.CreateXor(a, b)); return true;
    case Op::I32Shl: case Op::I64Shl: push(b_.CreateShl(a, mask(b))); return true;
    case Op::I32ShrS: case Op::I64ShrS: push(b_.CreateAShr(a, mask(b))); return true;
    case Op::I32ShrU: case Op::I64ShrU: push(b_.CreateLShr(a, mask(b))); return true;
    case Op::I32Rotl: case Op::I64Rotl:
      push(callIntrinsic(Intr::fshl, {t}, {a, a, b}));
      return true;
    case Op::I32Rotr: case Op::I64Rotr:
      push(callIntrinsic(Intr::fshr, {t}, {a, a, b}));
      return true;
    case Op::F32Add: case Op::F64Add: push(b_.CreateFAdd(a, b)); return true;
    case Op::F32Sub: case Op::F64Sub: push(b_.CreateFSub(a, b)); return true;
    case Op::F32Mul: case Op::F64Mul: push(b_.CreateFMul(a, b)); return true;
    case Op::F32Div: case Op::F64Div: push(b_.CreateFDiv(a, b)); return true;
    case Op::F32Min: case Op::F64Min:
    case Op::F32Max: case Op::F64Max: {
      bool is_min = opcode == Op::F32Min || opcode == Op::F64Min;
      Value* r = callIntrinsic(is_min ? Intr::minimum : Intr::maximum, {t}, {a, b});
      // A NaN result must be an arithmetic (quiet) NaN; the x86 expansion passes a signalling
      // operand through unchanged, so recompute NaN results with an add, which quiets.
      push(b_.CreateSelect(b_.CreateFCmpUNO(r, r), b_.CreateFAdd(a, b), r));
      return true;
    }
    case Op::F32Copysign: case Op::F64Copysign:
      push(callIntrinsic(Intr::copysign, {t}, {a, b}));
      return true;
    default:
      push(a);
      push(b);
      return false;
  }
}

bool FunctionTranslator::translateCompare(uint32_t opcode) {
  Value* b = pop();
  Value* a = pop();
  using P = llvm::CmpInst::Predicate;
  P p;
  switch (opcode) {
    case Op::I32Eq: case Op::I64Eq: p = P::ICMP_EQ; break;
    case Op::I32Ne: case Op::I64Ne: p = P::ICMP_NE; break;
    case Op::I32LtS: case Op::I64LtS: p = P::ICMP_SLT; break;
    case Op::I32LtU: case Op::I64LtU: p = P::ICMP_ULT; break;
    case Op::I32GtS: case Op::I64GtS: p = P::ICMP_SGT; break;
    case Op::I32GtU: case Op::I64GtU: p = P::ICMP_UGT; break;
    case Op::I32LeS: case Op::I64LeS: p = P::ICMP_SLE; break;
    case Op::I32LeU: case Op::I64LeU: p = P::ICMP_ULE; break;
    case Op::I32GeS: case Op::I64GeS: p = P::ICMP_SGE; break;
    case Op::I32GeU: case Op::I64GeU: p = P::ICMP_UGE; break;
    case Op::F32Eq: case Op::F64Eq: p = P::FCMP_OEQ; break;
    case Op::F32Ne: case Op::F64Ne: p = P::FCMP_UNE; break;
    case Op::F32Lt: case Op::F64Lt: p = P::FCMP_OLT; break;
    case Op::F32Gt: case Op::F64Gt: p = P::FCMP_OGT; break;
    case Op::F32Le: case Op::F64Le: p = P::FCMP_OLE; break;
    case Op::F32Ge: case Op::F64Ge: p = P::FCMP_OGE; break;
    default:
      push(a);
      push(b);
      return false;
  }
  Value* r = llvm::CmpInst::isFPPredicate(p) ? b_.CreateFCmp(p, a, b) : b_.CreateICmp(p, a, b);
  push(b_.CreateZExt(r, env_.i32));
  return true;
}

// Trapping float-to-int conversion (spec 4.3.2 trunc): NaN -> invalid conversion, out of range
// -> integer overflow. Bounds are exclusive/inclusive as exactly representable in the source.
Value* FunctionTranslator::truncChecked(Value* v, bool is_signed, llvm::Type* to) {
  llvm::Type* from = v->getType();
  bool to64 = to == env_.i64;
  bool from64 = from == env_.f64;
  trapIf(b_.CreateFCmpUNO(v, v), vm::TrapKind::kInvalidConversion);
  double lo, hi;
  bool lo_inclusive;
  if (is_signed) {
    hi = to64 ? 9223372036854775808.0 : 2147483648.0;
    if (to64 || !from64) {
      lo = -hi;
      lo_inclusive = true;
    } else {
      lo = -2147483649.0;
      lo_inclusive = false;
    }
  } else {
    hi = to64 ? 18446744073709551616.0 : 4294967296.0;
    lo = -1.0;
    lo_inclusive = false;
  }
  Value* clo = llvm::ConstantFP::get(from, lo);
  Value* chi = llvm::ConstantFP::get(from, hi);
  Value* below = lo_inclusive ? b_.CreateFCmpOLT(v, clo) : b_.CreateFCmpOLE(v, clo);
  Value* above = b_.CreateFCmpOGE(v, chi);
  trapIf(b_.CreateOr(below, above), vm::TrapKind::kIntegerOverflow);
  return is_signed ? b_.CreateFPToSI(v, to) : b_.CreateFPToUI(v, to);
}

bool FunctionTranslator::translateConvert(uint32_t opcode) {
  Value* v = pop();
  auto sat = [&](unsigned id, llvm::Type* to) {
    return callIntrinsic(id, {to, v->getType()}, {v});
  };
  auto sext_from = [&](llvm::Type* narrow) { return b_.CreateSExt(b_.CreateTrunc(v, narrow), v->getType()); };
  switch (opcode) {
    case Op::I32WrapI64: push(b_.CreateTrunc(v, env_.i32)); return true;
    case Op::I64ExtendI32S: push(b_.CreateSExt(v, env_.i64)); return true;
    case Op::I64ExtendI32U: push(b_.CreateZExt(v, env_.i64)); return true;
    case Op::I32TruncF32S: case Op::I32TruncF64S: push(truncChecked(v, true, env_.i32)); return true;
    case Op::I32TruncF32U: case Op::I32TruncF64U: push(truncChecked(v, false, env_.i32)); return true;
    case Op::I64TruncF32S: case Op::I64TruncF64S: push(truncChecked(v, true, env_.i64)); return true;
    case Op::I64TruncF32U: case Op::I64TruncF64U: push(truncChecked(v, false, env_.i64)); return true;
    case Op::I32TruncSatF32S: case Op::I32TruncSatF64S: push(sat(Intr::fptosi_sat, env_.i32)); return true;
    case Op::I32TruncSatF32U: case Op::I32TruncSatF64U: push(sat(Intr::fptoui_sat, env_.i32)); return true;
    case Op::I64TruncSatF32S: case Op::I64TruncSatF64S: push(sat(Intr::fptosi_sat, env_.i64)); return true;
    case Op::I64TruncSatF32U: case Op::I64TruncSatF64U: push(sat(Intr::fptoui_sat, env_.i64)); return true;
    case Op::F32ConvertI32S: case Op::F32ConvertI64S: push(b_.CreateSIToFP(v, env_.f32)); return true;
    case Op::F32ConvertI32U: case Op::F32ConvertI64U: push(b_.CreateUIToFP(v, env_.f32)); return true;
    case Op::F64ConvertI32S: case Op::F64ConvertI64S: push(b_.CreateSIToFP(v, env_.f64)); return true;
    case Op::F64ConvertI32U: case Op::F64ConvertI64U: push(b_.CreateUIToFP(v, env_.f64)); return true;
    case Op::F32DemoteF64:
      // demote(promote(x)) must quiet a signalling NaN; LLVM would fold the pair away.
      if (llvm::isa<llvm::FPExtInst>(v)) v = callIntrinsic(Intr::arithmetic_fence, {env_.f64}, {v});
      push(b_.CreateFPTrunc(v, env_.f32));
      return true;
    case Op::F64PromoteF32: push(b_.CreateFPExt(v, env_.f64)); return true;
    case Op::I32ReinterpretF32: push(b_.CreateBitCast(v, env_.i32)); return true;
    case Op::I64ReinterpretF64: push(b_.CreateBitCast(v, env_.i64)); return true;
    case Op::F32ReinterpretI32: push(b_.CreateBitCast(v, env_.f32)); return true;
    case Op::F64ReinterpretI64: push(b_.CreateBitCast(v, env_.f64)); return true;
    case Op::I32Extend8S: case Op::I64Extend8S: push(sext_from(env_.i8)); return true;
    case Op::I32Extend16S: case Op::I64Extend16S: push(sext_from(env_.i16)); return true;
    case Op::I64Extend32S: push(sext_from(env_.i32)); return true;
    default:
      push(v);
      return false;
  }
}

void FunctionTranslator::translateLoad(const wabt::Expr& e) {
  const auto* le = wabt::cast<wabt::LoadExpr>(&e);
  Value* addr = memoryAddress(pop(), le->offset);
  llvm::Type* mem_type;
  llvm::Type* result;
  int ext = 0;  // 0 none, 1 signed, 2 unsigned
  switch (le->opcode) {
    case Op::I32Load: mem_type = result = env_.i32; break;
    case Op::I64Load: mem_type = result = env_.i64; break;
    case Op::F32Load: mem_type = result = env_.f32; break;
    case Op::F64Load: mem_type = result = env_.f64; break;
    case Op::I32Load8S: mem_type = env_.i8; result = env_.i32; ext = 1; break;
    case Op::I32Load8U: mem_type = env_.i8; result = env_.i32; ext = 2; break;
    case Op::I32Load16S: mem_type = env_.i16; result = env_.i32; ext = 1; break;
    case Op::I32Load16U: mem_type = env_.i16; result = env_.i32; ext = 2; break;
    case Op::I64Load8S: mem_type = env_.i8; result = env_.i64; ext = 1; break;
    case Op::I64Load8U: mem_type = env_.i8; result = env_.i64; ext = 2; break;
    case Op::I64Load16S: mem_type = env_.i16; result = env_.i64; ext = 1; break;
    case Op::I64Load16U: mem_type = env_.i16; result = env_.i64; ext = 2; break;
    case Op::I64Load32S: mem_type = env_.i32; result = env_.i64; ext = 1; break;
    default: mem_type = env_.i32; result = env_.i64; ext = 2; break;  // I64Load32U
  }
  llvm::LoadInst* load = b_.CreateAlignedLoad(mem_type, addr, llvm::MaybeAlign(1));
  Value* v = load;
  if (ext == 1) v = b_.CreateSExt(load, result);
  if (ext == 2) v = b_.CreateZExt(load, result);
  push(v);
}

void FunctionTranslator::translateStore(const wabt::Expr& e) {
  const auto* se = wabt::cast<wabt::StoreExpr>(&e);
  Value* v = pop();
  Value* addr = memoryAddress(pop(), se->offset);
  switch (se->opcode) {
    case Op::I32Store8: case Op::I64Store8: v = b_.CreateTrunc(v, env_.i8); break;
    case Op::I32Store16: case Op::I64Store16: v = b_.CreateTrunc(v, env_.i16); break;
    case Op::I64Store32: v = b_.CreateTrunc(v, env_.i32); break;
    default: break;
  }
  b_.CreateAlignedStore(v, addr, llvm::MaybeAlign(1));
}

void FunctionTranslator::translateMemoryOp(const wabt::Expr& e) {
  using ET = wabt::ExprType;
  llvm::Type* vd = b_.getVoidTy();
  llvm::Type* p = env_.ptr;
  llvm::Type* i = env_.i32;
  switch (e.type()) {
    case ET::MemorySize: {
      Value* mems = loadField(ctx_, vm::kOffMemories, p, "mems");
      Value* mem = loadField(mems, 0, p, "mem");
      Value* bytes = loadField(mem, offsetof(vm::VMMemory, size_bytes), env_.i64, "size");
      push(b_.CreateTrunc(b_.CreateLShr(bytes, 16), i));
      return;
    }
    case ET::MemoryGrow: {
      Value* delta = pop();
      push(helper(HELPER(memory_grow), llvm::FunctionType::get(i, {p, i, i}, false),
                  {ctx_, i32(0), delta}));
      return;
    }
    case ET::MemoryFill: {
      auto a = popN(3);
      helper(HELPER(memory_fill), llvm::FunctionType::get(vd, {p, i, i, i, i}, false),
             {ctx_, i32(0), a[0], a[1], a[2]});
      return;
    }
    case ET::MemoryCopy: {
      auto a = popN(3);
      helper(HELPER(memory_copy), llvm::FunctionType::get(vd, {p, i, i, i, i, i}, false),
             {ctx_, i32(0), i32(0), a[0], a[1], a[2]});
      return;
    }
    case ET::MemoryInit: {
      uint32_t seg = env_.ir.GetDataSegmentIndex(wabt::cast<wabt::MemoryInitExpr>(&e)->var);
      auto a = popN(3);
      helper(HELPER(memory_init), llvm::FunctionType::get(vd, {p, i, i, i, i, i}, false),
             {ctx_, i32(0), i32(seg), a[0], a[1], a[2]});
      return;
    }
    default: {  // DataDrop
      uint32_t seg = env_.ir.GetDataSegmentIndex(wabt::cast<wabt::DataDropExpr>(&e)->var);
      helper(HELPER(data_drop), llvm::FunctionType::get(vd, {p, i}, false), {ctx_, i32(seg)});
      return;
    }
  }
}

void FunctionTranslator::translateTableOp(const wabt::Expr& e) {
  using ET = wabt::ExprType;
  llvm::Type* vd = b_.getVoidTy();
  llvm::Type* p = env_.ptr;
  llvm::Type* i = env_.i32;
  auto tableIndex = [&](const wabt::Var& v) { return env_.ir.GetTableIndex(v); };
  switch (e.type()) {
    case ET::TableGet:
    case ET::TableSet: {
      bool is_set = e.type() == ET::TableSet;
      uint32_t t = tableIndex(is_set ? wabt::cast<wabt::TableSetExpr>(&e)->var
                                     : wabt::cast<wabt::TableGetExpr>(&e)->var);
      Value* value = is_set ? pop() : nullptr;
      Value* index = pop();
      Value* table = tablePtr(t);
      Value* size = loadField(table, offsetof(vm::VMTable, size), i, "tsize");
      trapIf(b_.CreateICmpUGE(index, size), vm::TrapKind::kTableOutOfBounds);
      Value* elems = loadField(table, offsetof(vm::VMTable, elements), p, "elems");
      Value* slot = b_.CreateInBoundsGEP(p, elems, b_.CreateZExt(index, env_.i64));
      if (is_set) {
        b_.CreateStore(value, slot);
      } else {
        push(b_.CreateLoad(p, slot));
      }
      return;
    }
    case ET::TableSize: {
      Value* table = tablePtr(tableIndex(wabt::cast<wabt::TableSizeExpr>(&e)->var));
      push(loadField(table, offsetof(vm::VMTable, size), i, "tsize"));
      return;
    }
    case ET::TableGrow: {
      uint32_t t = tableIndex(wabt::cast<wabt::TableGrowExpr>(&e)->var);
      Value* delta = pop();
      Value* init = pop();
      push(helper(HELPER(table_grow), llvm::FunctionType::get(i, {p, i, p, i}, false),
                  {ctx_, i32(t), init, delta}));
      return;
    }
    case ET::TableFill: {
      uint32_t t = tableIndex(wabt::cast<wabt::TableFillExpr>(&e)->var);
      Value* n = pop();
      Value* value = pop();
      Value* dst = pop();
      helper(HELPER(table_fill), llvm::FunctionType::get(vd, {p, i, i, p, i}, false),
             {ctx_, i32(t), dst, value, n});
      return;
    }
    case ET::TableCopy: {
      const auto* tc = wabt::cast<wabt::TableCopyExpr>(&e);
      auto a = popN(3);
      helper(HELPER(table_copy), llvm::FunctionType::get(vd, {p, i, i, i, i, i}, false),
             {ctx_, i32(tableIndex(tc->dst_table)), i32(tableIndex(tc->src_table)), a[0], a[1], a[2]});
      return;
    }
    case ET::TableInit: {
      const auto* ti = wabt::cast<wabt::TableInitExpr>(&e);
      auto a = popN(3);
      uint32_t seg = env_.ir.GetElemSegmentIndex(ti->segment_index);
      helper(HELPER(table_init), llvm::FunctionType::get(vd, {p, i, i, i, i, i}, false),
             {ctx_, i32(tableIndex(ti->table_index)), i32(seg), a[0], a[1], a[2]});
      return;
    }
    default: {  // ElemDrop
      uint32_t seg = env_.ir.GetElemSegmentIndex(wabt::cast<wabt::ElemDropExpr>(&e)->var);
      helper(HELPER(elem_drop), llvm::FunctionType::get(vd, {p, i}, false), {ctx_, i32(seg)});
      return;
    }
  }
}

}  // namespace tern::compile
