// SIMD (fixed-width 128-bit) instructions lowered to LLVM vector IR (Wasm 2.0 spec 4.4.3).
//
// Operations are written as generic vector IR and target-independent intrinsics so that LLVM
// picks the host's SSE/AVX instructions (pshufb for swizzle, pmaddwd for dot, packs for narrow);
// the one exception is minps/maxps (simdMinMaxOrdered in simd_translator_arith.cc).
// Results are pushed in whatever 128-bit vector type is natural; consumers bitcast with popAs.
// This file decodes and dispatches and holds memory, lane and bitwise instructions;
// simd_translator_arith.cc holds arithmetic, comparisons and conversions.
#include <wabt/cast.h>
#include <wabt/ir.h>

#include <array>
#include <cstring>
#include <string_view>

#include "compile/translator.h"

namespace tern::compile {

using llvm::Value;
using Op = wabt::Opcode;

namespace {

// The opcode and immediates of one SIMD instruction, whatever wabt expression class holds it.
struct SimdInstr {
  wabt::Opcode op = wabt::Opcode::Invalid;
  uint64_t offset = 0;
  uint64_t lane = 0;
  std::array<uint8_t, 16> shuffle{};
  bool memory = false;
};

template <typename T>
SimdInstr fromMemory(const wabt::Expr& e) {
  const auto* x = wabt::cast<T>(&e);
  SimdInstr s{x->opcode, x->offset};
  s.memory = true;
  if constexpr (requires { x->val; }) s.lane = x->val;
  return s;
}

SimdInstr decode(const wabt::Expr& e) {
  using ET = wabt::ExprType;
  switch (e.type()) {
    case ET::Load: return fromMemory<wabt::LoadExpr>(e);
    case ET::Store: return fromMemory<wabt::StoreExpr>(e);
    case ET::LoadSplat: return fromMemory<wabt::LoadSplatExpr>(e);
    case ET::LoadZero: return fromMemory<wabt::LoadZeroExpr>(e);
    case ET::SimdLoadLane: return fromMemory<wabt::SimdLoadLaneExpr>(e);
    case ET::SimdStoreLane: return fromMemory<wabt::SimdStoreLaneExpr>(e);
    case ET::SimdLaneOp: {
      const auto* x = wabt::cast<wabt::SimdLaneOpExpr>(&e);
      return SimdInstr{x->opcode, 0, x->val};
    }
    case ET::SimdShuffleOp: {
      const auto* x = wabt::cast<wabt::SimdShuffleOpExpr>(&e);
      SimdInstr s{x->opcode};
      std::memcpy(s.shuffle.data(), &x->val, 16);
      return s;
    }
    case ET::Unary: return SimdInstr{wabt::cast<wabt::UnaryExpr>(&e)->opcode};
    case ET::Binary: return SimdInstr{wabt::cast<wabt::BinaryExpr>(&e)->opcode};
    case ET::Compare: return SimdInstr{wabt::cast<wabt::CompareExpr>(&e)->opcode};
    case ET::Convert: return SimdInstr{wabt::cast<wabt::ConvertExpr>(&e)->opcode};
    case ET::Ternary: return SimdInstr{wabt::cast<wabt::TernaryExpr>(&e)->opcode};
    default: return SimdInstr{};
  }
}

// The lane shape an instruction's name starts with: "i16x8.add" -> <8 x i16>; "v128.*" and
// anything else -> <4 x i32>. The spec names every shape-specific instruction this way.
llvm::FixedVectorType* shapeOf(llvm::LLVMContext& c, const wabt::Opcode& op) {
  std::string_view name = op.GetName();
  unsigned bits = 0;
  for (size_t i = 1; i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i) {
    bits = bits * 10 + (name[i] - '0');
  }
  if ((name[0] != 'i' && name[0] != 'f') || bits < 8 || bits > 64) {
    return llvm::FixedVectorType::get(llvm::Type::getInt32Ty(c), 4);
  }
  llvm::Type* lane = name[0] == 'i'   ? llvm::Type::getIntNTy(c, bits)
                     : bits == 32 ? llvm::Type::getFloatTy(c)
                                  : llvm::Type::getDoubleTy(c);
  return llvm::FixedVectorType::get(lane, 128 / bits);
}

llvm::FixedVectorType* vec(llvm::Type* lane, unsigned n) {
  return llvm::FixedVectorType::get(lane, n);
}

}  // namespace

bool FunctionTranslator::translateSimd(const wabt::Expr& e) {
  SimdInstr s = decode(e);
  size_t arity = 0;
  for (int i = 1; i <= 3; ++i) arity += s.op.GetParamType(i) != wabt::Type::Void;
  auto args = popN(arity);
  llvm::FixedVectorType* shape = shapeOf(env_.context, s.op);
  Value* r = nullptr;
  if (s.memory) {
    r = simdMemory(s.op, args, s.offset, s.lane);
  } else {
    r = simdLanes(s.op, shape, args, s.lane, s.shuffle.data());
    if (!r) r = simdBitwise(s.op, args);
    if (!r) r = simdIntArith(s.op, shape, args);
    if (!r) r = simdWidening(s.op, shape, args);
    if (!r) r = simdFloatArith(s.op, shape, args);
    if (!r) r = simdCompare(s.op, shape, args);
    if (!r) r = simdConvert(s.op, args);
  }
  if (!r) {
    // Not a Wasm 2.0 SIMD instruction (the front end rejects the others): never run it.
    b_.CreateBr(trapBlock(vm::TrapKind::kUnreachable));
    b_.ClearInsertionPoint();
    return false;
  }
  if (s.op.GetResultType() != wabt::Type::Void) push(r);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Memory (spec 4.4.7): unaligned accesses; the guard region traps out-of-bounds ones.

Value* FunctionTranslator::simdMemory(uint32_t opcode, llvm::ArrayRef<Value*> args,
                                      uint64_t offset, uint64_t lane) {
  Value* addr = memoryAddress(args[0], offset);
  auto load = [&](llvm::Type* t) { return b_.CreateAlignedLoad(t, addr, llvm::MaybeAlign(1)); };
  auto store = [&](Value* v) { return b_.CreateAlignedStore(v, addr, llvm::MaybeAlign(1)); };
  // Lane type of the *_splat, *_zero and *_lane forms: the accessed memory width.
  auto bytes = static_cast<unsigned>(Op(static_cast<Op::Enum>(opcode)).GetMemorySize());
  llvm::Type* scalar = b_.getIntNTy(bytes * 8);
  llvm::FixedVectorType* lanes = vec(scalar, 16 / bytes);
  auto i8x8 = vec(env_.i8, 8), i16x4 = vec(env_.i16, 4), i32x2 = vec(env_.i32, 2);
  switch (opcode) {
    case Op::V128Load: return load(env_.v128);  // a bare load, so `drop` keeps its trap
    case Op::V128Load8X8S: return b_.CreateSExt(load(i8x8), vec(env_.i16, 8));
    case Op::V128Load8X8U: return b_.CreateZExt(load(i8x8), vec(env_.i16, 8));
    case Op::V128Load16X4S: return b_.CreateSExt(load(i16x4), vec(env_.i32, 4));
    case Op::V128Load16X4U: return b_.CreateZExt(load(i16x4), vec(env_.i32, 4));
    case Op::V128Load32X2S: return b_.CreateSExt(load(i32x2), vec(env_.i64, 2));
    case Op::V128Load32X2U: return b_.CreateZExt(load(i32x2), vec(env_.i64, 2));
    case Op::V128Load8Splat: case Op::V128Load16Splat:
    case Op::V128Load32Splat: case Op::V128Load64Splat:
      return b_.CreateVectorSplat(lanes->getNumElements(), load(scalar));
    case Op::V128Load32Zero: case Op::V128Load64Zero:
      return b_.CreateInsertElement(llvm::Constant::getNullValue(lanes), load(scalar), uint64_t{0});
    case Op::V128Load8Lane: case Op::V128Load16Lane:
    case Op::V128Load32Lane: case Op::V128Load64Lane:
      return b_.CreateInsertElement(b_.CreateBitCast(args[1], lanes), load(scalar), lane);
    case Op::V128Store: return store(args[1]);
    case Op::V128Store8Lane: case Op::V128Store16Lane:
    case Op::V128Store32Lane: case Op::V128Store64Lane:
      return store(b_.CreateExtractElement(b_.CreateBitCast(args[1], lanes), lane));
    default: return nullptr;
  }
}

// ---------------------------------------------------------------------------------------------
// Lanes: splat, extract/replace, shuffle, swizzle

Value* FunctionTranslator::simdLanes(uint32_t opcode, llvm::FixedVectorType* shape,
                                     llvm::ArrayRef<Value*> args, uint64_t lane,
                                     const uint8_t* shuffle) {
  llvm::Type* elem = shape->getElementType();
  auto vecArg = [&](size_t i) { return b_.CreateBitCast(args[i], shape); };
  switch (opcode) {
    case Op::I8X16Splat: case Op::I16X8Splat: case Op::I32X4Splat:
    case Op::I64X2Splat: case Op::F32X4Splat: case Op::F64X2Splat:
      return b_.CreateVectorSplat(shape->getNumElements(), b_.CreateTrunc(args[0], elem));
    case Op::I8X16ExtractLaneS: case Op::I16X8ExtractLaneS:
      return b_.CreateSExt(b_.CreateExtractElement(vecArg(0), lane), env_.i32);
    case Op::I8X16ExtractLaneU: case Op::I16X8ExtractLaneU:
      return b_.CreateZExt(b_.CreateExtractElement(vecArg(0), lane), env_.i32);
    case Op::I32X4ExtractLane: case Op::I64X2ExtractLane:
    case Op::F32X4ExtractLane: case Op::F64X2ExtractLane:
      return b_.CreateExtractElement(vecArg(0), lane);
    case Op::I8X16ReplaceLane: case Op::I16X8ReplaceLane: case Op::I32X4ReplaceLane:
    case Op::I64X2ReplaceLane: case Op::F32X4ReplaceLane: case Op::F64X2ReplaceLane:
      return b_.CreateInsertElement(vecArg(0), b_.CreateTrunc(args[1], elem), lane);
    case Op::I8X16Shuffle: {
      std::array<int, 16> mask;
      for (size_t i = 0; i < 16; ++i) mask[i] = shuffle[i];  // validated: < 32
      return b_.CreateShuffleVector(vecArg(0), vecArg(1), mask);
    }
    case Op::I8X16Swizzle: return simdSwizzle(vecArg(0), vecArg(1));
    default: return nullptr;
  }
}

// Lane i = a[s[i]], or 0 when s[i] >= 16. Written as a variable permute that the x86 backend
// turns into pshufb (masked with the `< 16` test); other targets get their own best lowering.
Value* FunctionTranslator::simdSwizzle(Value* a, Value* s) {
  auto* shape = llvm::cast<llvm::FixedVectorType>(a->getType());
  Value* index = b_.CreateAnd(s, b_.CreateVectorSplat(16, b_.getInt8(15)));
  Value* r = llvm::PoisonValue::get(shape);
  for (uint64_t i = 0; i < 16; ++i) {
    Value* lane = b_.CreateExtractElement(a, b_.CreateExtractElement(index, i));
    r = b_.CreateInsertElement(r, lane, i);
  }
  Value* in_range = b_.CreateICmpULT(s, b_.CreateVectorSplat(16, b_.getInt8(16)));
  return b_.CreateSelect(in_range, r, llvm::Constant::getNullValue(shape));
}

// ---------------------------------------------------------------------------------------------
// Bitwise, any_true

Value* FunctionTranslator::simdBitwise(uint32_t opcode, llvm::ArrayRef<Value*> args) {
  auto arg = [&](size_t i) { return b_.CreateBitCast(args[i], env_.v128); };
  switch (opcode) {
    case Op::V128Not: return b_.CreateNot(arg(0));
    case Op::V128And: return b_.CreateAnd(arg(0), arg(1));
    case Op::V128Andnot: return b_.CreateAnd(arg(0), b_.CreateNot(arg(1)));
    case Op::V128Or: return b_.CreateOr(arg(0), arg(1));
    case Op::V128Xor: return b_.CreateXor(arg(0), arg(1));
    case Op::V128BitSelect: {
      Value* mask = arg(2);
      return b_.CreateOr(b_.CreateAnd(arg(0), mask), b_.CreateAnd(arg(1), b_.CreateNot(mask)));
    }
    case Op::V128AnyTrue: {
      Value* bits = b_.CreateBitCast(args[0], b_.getInt128Ty());
      return b_.CreateZExt(b_.CreateICmpNE(bits, b_.getIntN(128, 0)), env_.i32);
    }
    default: return nullptr;
  }
}

}  // namespace tern::compile
