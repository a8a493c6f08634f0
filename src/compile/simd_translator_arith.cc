// SIMD arithmetic, comparisons and conversions lowered to LLVM vector IR (Wasm 2.0 spec 4.4.3).
//
// `shape` is the vector type an instruction's name starts with (i16x8.* -> <8 x i16>); operands
// arrive in stack order as any 128-bit vector type and are bitcast here. The lane-wise operators
// are those of spec 4.3.2 (integer), 4.3.3 (float) and 4.3.4 (conversions).
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsX86.h>
#include <llvm/TargetParser/Triple.h>
#include <wabt/opcode.h>

#include <vector>

#include "compile/translator.h"

namespace tern::compile {

using llvm::FixedVectorType;
using llvm::Value;
namespace Intr = llvm::Intrinsic;
using Op = wabt::Opcode;

namespace {

// Lane indices first, first + step, ... (n of them), for shufflevector.
std::vector<int> laneIndices(unsigned n, int first, int step = 1) {
  std::vector<int> mask(n);
  for (unsigned i = 0; i < n; ++i) mask[i] = first + static_cast<int>(i) * step;
  return mask;
}

// Whether a constant vector has a lane that makes x+c, x-c, x*c or x/c foldable to x or -x
// (±0, ±1). Such folds would drop the quieting of a signalling NaN that spec 4.3.3 requires.
bool hasIdentityLane(Value* v) {
  auto* c = llvm::dyn_cast<llvm::Constant>(v);
  auto* type = llvm::dyn_cast<FixedVectorType>(v->getType());
  if (!c || !type) return false;
  for (unsigned i = 0; i < type->getNumElements(); ++i) {
    auto* lane = llvm::dyn_cast_or_null<llvm::ConstantFP>(c->getAggregateElement(i));
    if (!lane) return true;  // undef or an expression: be conservative
    const llvm::APFloat& f = lane->getValueAPF();
    if (f.isZero() || f.isExactlyValue(1.0) || f.isExactlyValue(-1.0)) return true;
  }
  return false;
}

// <2n x iN/2> for a shape <n x iN>: the source of a widening instruction.
FixedVectorType* halfWidth(FixedVectorType* shape) {
  auto* t = FixedVectorType::getTruncatedElementVectorType(shape);
  return FixedVectorType::get(t->getElementType(), shape->getNumElements() * 2);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Integer lane arithmetic

Value* FunctionTranslator::simdIntArith(uint32_t opcode, FixedVectorType* shape,
                                        llvm::ArrayRef<Value*> args) {
  // Operands are cast on use: an opcode of another group must leave no instructions behind.
  auto lhs = [&] { return b_.CreateBitCast(args[0], shape); };
  auto rhs = [&] { return b_.CreateBitCast(args[1], shape); };
  auto intrinsic = [&](Intr::ID id) { return b_.CreateBinaryIntrinsic(id, lhs(), rhs()); };
  switch (opcode) {
    case Op::I8X16Add: case Op::I16X8Add: case Op::I32X4Add: case Op::I64X2Add:
      return b_.CreateAdd(lhs(), rhs());
    case Op::I8X16Sub: case Op::I16X8Sub: case Op::I32X4Sub: case Op::I64X2Sub:
      return b_.CreateSub(lhs(), rhs());
    case Op::I16X8Mul: case Op::I32X4Mul: case Op::I64X2Mul:
      return b_.CreateMul(lhs(), rhs());
    case Op::I8X16Neg: case Op::I16X8Neg: case Op::I32X4Neg: case Op::I64X2Neg:
      return b_.CreateNeg(lhs());
    case Op::I8X16Abs: case Op::I16X8Abs: case Op::I32X4Abs: case Op::I64X2Abs:
      return b_.CreateIntrinsic(Intr::abs, {shape}, {lhs(), b_.getFalse()});  // abs(INT_MIN) wraps
    case Op::I8X16AddSatS: case Op::I16X8AddSatS: return intrinsic(Intr::sadd_sat);
    case Op::I8X16AddSatU: case Op::I16X8AddSatU: return intrinsic(Intr::uadd_sat);
    case Op::I8X16SubSatS: case Op::I16X8SubSatS: return intrinsic(Intr::ssub_sat);
    case Op::I8X16SubSatU: case Op::I16X8SubSatU: return intrinsic(Intr::usub_sat);
    case Op::I8X16MinS: case Op::I16X8MinS: case Op::I32X4MinS: return intrinsic(Intr::smin);
    case Op::I8X16MinU: case Op::I16X8MinU: case Op::I32X4MinU: return intrinsic(Intr::umin);
    case Op::I8X16MaxS: case Op::I16X8MaxS: case Op::I32X4MaxS: return intrinsic(Intr::smax);
    case Op::I8X16MaxU: case Op::I16X8MaxU: case Op::I32X4MaxU: return intrinsic(Intr::umax);
    case Op::I8X16AvgrU: case Op::I16X8AvgrU: {
      // (a + b + 1) / 2 in double-width lanes so the sum cannot wrap (LLVM matches pavg).
      auto* wide = FixedVectorType::getExtendedElementVectorType(shape);
      Value* sum = b_.CreateAdd(b_.CreateZExt(lhs(), wide), b_.CreateZExt(rhs(), wide));
      sum = b_.CreateAdd(sum, llvm::ConstantInt::get(wide, 1));
      return b_.CreateTrunc(b_.CreateLShr(sum, llvm::ConstantInt::get(wide, 1)), shape);
    }
    case Op::I8X16Popcnt: return b_.CreateUnaryIntrinsic(Intr::ctpop, lhs());
    case Op::I8X16Shl: case Op::I16X8Shl: case Op::I32X4Shl: case Op::I64X2Shl:
      return b_.CreateShl(lhs(), simdShiftCount(args[1], shape));
    case Op::I8X16ShrS: case Op::I16X8ShrS: case Op::I32X4ShrS: case Op::I64X2ShrS:
      return b_.CreateAShr(lhs(), simdShiftCount(args[1], shape));
    case Op::I8X16ShrU: case Op::I16X8ShrU: case Op::I32X4ShrU: case Op::I64X2ShrU:
      return b_.CreateLShr(lhs(), simdShiftCount(args[1], shape));
    case Op::I8X16AllTrue: case Op::I16X8AllTrue: case Op::I32X4AllTrue: case Op::I64X2AllTrue: {
      Value* nonzero = b_.CreateICmpNE(lhs(), llvm::Constant::getNullValue(shape));
      return b_.CreateZExt(b_.CreateAndReduce(nonzero), env_.i32);
    }
    case Op::I8X16Bitmask: case Op::I16X8Bitmask: case Op::I32X4Bitmask: case Op::I64X2Bitmask: {
      Value* negative = b_.CreateICmpSLT(lhs(), llvm::Constant::getNullValue(shape));
      Value* bits = b_.CreateBitCast(negative, b_.getIntNTy(shape->getNumElements()));
      return b_.CreateZExt(bits, env_.i32);
    }
    default: return nullptr;
  }
}

// Spec 4.3.2 ishl/ishr: the i32 count is taken modulo the lane width, then splatted.
Value* FunctionTranslator::simdShiftCount(Value* count, FixedVectorType* shape) {
  unsigned bits = shape->getScalarSizeInBits();
  Value* n = b_.CreateAnd(count, i32(bits - 1));
  n = b_.CreateZExtOrTrunc(n, shape->getElementType());
  return b_.CreateVectorSplat(shape->getNumElements(), n);
}

// ---------------------------------------------------------------------------------------------
// Widening and narrowing: extend, extmul, extadd_pairwise, dot, q15mulr, narrow. `shape` is the
// result shape; sources have half-width lanes.

Value* FunctionTranslator::simdWidening(uint32_t opcode, FixedVectorType* shape,
                                        llvm::ArrayRef<Value*> args) {
  if (!shape->isIntOrIntVectorTy()) return nullptr;
  unsigned n = shape->getNumElements();
  FixedVectorType* src = halfWidth(shape);
  auto arg = [&](size_t i) { return b_.CreateBitCast(args[i], src); };
  // The low or high half of a source operand (n lanes), or its even or odd lanes.
  auto half = [&](size_t i, bool high) {
    return b_.CreateShuffleVector(arg(i), laneIndices(n, high ? n : 0));
  };
  auto pick = [&](size_t i, bool odd) {
    return b_.CreateShuffleVector(arg(i), laneIndices(n, odd, 2));
  };
  auto sext = [&](Value* v) { return b_.CreateSExt(v, shape); };
  auto zext = [&](Value* v) { return b_.CreateZExt(v, shape); };
  switch (opcode) {
    case Op::I16X8ExtendLowI8X16S: case Op::I32X4ExtendLowI16X8S: case Op::I64X2ExtendLowI32X4S:
      return sext(half(0, false));
    case Op::I16X8ExtendHighI8X16S: case Op::I32X4ExtendHighI16X8S: case Op::I64X2ExtendHighI32X4S:
      return sext(half(0, true));
    case Op::I16X8ExtendLowI8X16U: case Op::I32X4ExtendLowI16X8U: case Op::I64X2ExtendLowI32X4U:
      return zext(half(0, false));
    case Op::I16X8ExtendHighI8X16U: case Op::I32X4ExtendHighI16X8U: case Op::I64X2ExtendHighI32X4U:
      return zext(half(0, true));
    case Op::I16X8ExtmulLowI8X16S: case Op::I32X4ExtmulLowI16X8S: case Op::I64X2ExtmulLowI32X4S:
      return b_.CreateMul(sext(half(0, false)), sext(half(1, false)));
    case Op::I16X8ExtmulHighI8X16S: case Op::I32X4ExtmulHighI16X8S: case Op::I64X2ExtmulHighI32X4S:
      return b_.CreateMul(sext(half(0, true)), sext(half(1, true)));
    case Op::I16X8ExtmulLowI8X16U: case Op::I32X4ExtmulLowI16X8U: case Op::I64X2ExtmulLowI32X4U:
      return b_.CreateMul(zext(half(0, false)), zext(half(1, false)));
    case Op::I16X8ExtmulHighI8X16U: case Op::I32X4ExtmulHighI16X8U: case Op::I64X2ExtmulHighI32X4U:
      return b_.CreateMul(zext(half(0, true)), zext(half(1, true)));
    case Op::I16X8ExtaddPairwiseI8X16S: case Op::I32X4ExtaddPairwiseI16X8S:
      return b_.CreateAdd(sext(pick(0, false)), sext(pick(0, true)));
    case Op::I16X8ExtaddPairwiseI8X16U: case Op::I32X4ExtaddPairwiseI16X8U:
      return b_.CreateAdd(zext(pick(0, false)), zext(pick(0, true)));
    case Op::I32X4DotI16X8S: {
      // Products of all lanes, then adjacent pairs summed: LLVM matches pmaddwd. Wraps for the
      // one overflowing case (all four inputs -32768), as the spec's iadd does.
      auto* wide = FixedVectorType::get(shape->getElementType(), n * 2);
      Value* p = b_.CreateMul(b_.CreateSExt(arg(0), wide), b_.CreateSExt(arg(1), wide));
      return b_.CreateAdd(b_.CreateShuffleVector(p, laneIndices(n, 0, 2)),
                          b_.CreateShuffleVector(p, laneIndices(n, 1, 2)));
    }
    case Op::I16X8Q15mulrSatS: return simdQ15MulrSat(args[0], args[1]);
    case Op::I8X16NarrowI16X8S: case Op::I16X8NarrowI32X4S:
      return simdNarrow(shape, args[0], args[1], /*is_signed=*/true);
    case Op::I8X16NarrowI16X8U: case Op::I16X8NarrowI32X4U:
      return simdNarrow(shape, args[0], args[1], /*is_signed=*/false);
    default: return nullptr;
  }
}

// Spec 4.3.2 iq15mulr_sat_s: sat_s((a * b + 2^14) >> 15). Only -32768 * -32768 overflows.
Value* FunctionTranslator::simdQ15MulrSat(Value* a, Value* b) {
  auto* shape = FixedVectorType::get(env_.i16, 8);
  auto* wide = FixedVectorType::get(env_.i32, 8);
  Value* p = b_.CreateMul(b_.CreateSExt(b_.CreateBitCast(a, shape), wide),
                          b_.CreateSExt(b_.CreateBitCast(b, shape), wide));
  p = b_.CreateAShr(b_.CreateAdd(p, llvm::ConstantInt::get(wide, 0x4000)), 15);
  p = b_.CreateBinaryIntrinsic(Intr::smin, p, llvm::ConstantInt::get(wide, 0x7fff));
  return b_.CreateTrunc(p, shape);
}

// Spec 4.3.4 narrow: the signed source lanes of a then b, saturated to the narrow lane's signed or
// unsigned range (LLVM matches packss/packus).
Value* FunctionTranslator::simdNarrow(FixedVectorType* shape, Value* a, Value* b, bool is_signed) {
  unsigned n = shape->getNumElements();
  unsigned bits = shape->getScalarSizeInBits();
  auto* src = FixedVectorType::get(b_.getIntNTy(bits * 2), n / 2);
  auto* wide = FixedVectorType::get(src->getElementType(), n);
  Value* v = b_.CreateShuffleVector(b_.CreateBitCast(a, src), b_.CreateBitCast(b, src),
                                    laneIndices(n, 0));
  int64_t lo = is_signed ? -(int64_t{1} << (bits - 1)) : 0;
  int64_t hi = is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
  v = b_.CreateBinaryIntrinsic(Intr::smax, v, llvm::ConstantInt::getSigned(wide, lo));
  v = b_.CreateBinaryIntrinsic(Intr::smin, v, llvm::ConstantInt::getSigned(wide, hi));
  return b_.CreateTrunc(v, shape);
}

// ---------------------------------------------------------------------------------------------
// Floating point (spec 4.3.3 applied lane-wise). NaN results keep LLVM's (and x86's) quiet-NaN
// propagation, which the spec allows (4.3.3: arithmetic or canonical NaN).

Value* FunctionTranslator::simdFloatArith(uint32_t opcode, FixedVectorType* shape,
                                          llvm::ArrayRef<Value*> args) {
  if (!shape->getElementType()->isFloatingPointTy()) return nullptr;
  auto lhs = [&] { return b_.CreateBitCast(args[0], shape); };  // cast on use, as above
  auto rhs = [&] { return b_.CreateBitCast(args[1], shape); };
  auto unary = [&](Intr::ID id) { return b_.CreateUnaryIntrinsic(id, lhs()); };
  // An identity-like constant operand goes behind an arithmetic fence so LLVM keeps the operation
  // (and its NaN quieting), as the scalar translator does.
  auto fenced = [&](Value* v) {
    return hasIdentityLane(v) ? b_.CreateUnaryIntrinsic(Intr::arithmetic_fence, v) : v;
  };
  switch (opcode) {
    case Op::F32X4Add: case Op::F64X2Add: return b_.CreateFAdd(fenced(lhs()), fenced(rhs()));
    case Op::F32X4Sub: case Op::F64X2Sub: return b_.CreateFSub(fenced(lhs()), fenced(rhs()));
    case Op::F32X4Mul: case Op::F64X2Mul: return b_.CreateFMul(fenced(lhs()), fenced(rhs()));
    case Op::F32X4Div: case Op::F64X2Div: return b_.CreateFDiv(fenced(lhs()), fenced(rhs()));
    case Op::F32X4Min: case Op::F64X2Min: return simdFMinMax(lhs(), rhs(), /*is_min=*/true);
    case Op::F32X4Max: case Op::F64X2Max: return simdFMinMax(lhs(), rhs(), /*is_min=*/false);
    // Spec 4.3.3 fpmin = b < a ? b : a; fpmax = a < b ? b : a, i.e. b > a ? b : a.
    case Op::F32X4PMin: case Op::F64X2PMin: return simdMinMaxOrdered(rhs(), lhs(), true);
    case Op::F32X4PMax: case Op::F64X2PMax: return simdMinMaxOrdered(rhs(), lhs(), false);
    case Op::F32X4Abs: case Op::F64X2Abs: return unary(Intr::fabs);
    case Op::F32X4Neg: case Op::F64X2Neg: return b_.CreateFNeg(lhs());
    case Op::F32X4Sqrt: case Op::F64X2Sqrt: return unary(Intr::sqrt);
    case Op::F32X4Ceil: case Op::F64X2Ceil: return unary(Intr::ceil);
    case Op::F32X4Floor: case Op::F64X2Floor: return unary(Intr::floor);
    case Op::F32X4Trunc: case Op::F64X2Trunc: return unary(Intr::trunc);
    case Op::F32X4Nearest: case Op::F64X2Nearest: return unary(Intr::roundeven);
    default: return nullptr;
  }
}

// Spec 4.3.3 fmin/fmax: a NaN operand gives a NaN (here the canonical one; the spec allows it),
// and -0 < +0. Not llvm.minimum: its x86 vector lowering passes a signalling NaN through unquieted
// and is longer. The two ordered picks differ only for operands that compare equal with
// different bits (+0 and -0), where OR picks -0 for min and AND +0 for max.
Value* FunctionTranslator::simdFMinMax(Value* a, Value* b, bool is_min) {
  auto* ints = llvm::VectorType::getInteger(llvm::cast<llvm::VectorType>(a->getType()));
  Value* m1 = b_.CreateBitCast(simdMinMaxOrdered(a, b, is_min), ints);
  Value* m2 = b_.CreateBitCast(simdMinMaxOrdered(b, a, is_min), ints);
  Value* r = b_.CreateBitCast(is_min ? b_.CreateOr(m1, m2) : b_.CreateAnd(m1, m2), a->getType());
  Value* nan = llvm::ConstantFP::getQNaN(a->getType());
  return b_.CreateSelect(b_.CreateFCmpUNO(a, b), nan, r);
}

// Min: x < y ? x : y; max: x > y ? x : y (y when unordered): exactly x86 minps/maxps. On x86 this
// uses those instructions' intrinsics, because InstCombine turns the generic select over values
// bitcast from <4 x i32> (every v128 local, load and parameter) into an integer blend that the
// backend no longer recognises as minps.
Value* FunctionTranslator::simdMinMaxOrdered(Value* x, Value* y, bool is_min) {
  if (llvm::Triple(env_.module.getTargetTriple()).isX86()) {
    bool is_f32 = x->getType()->getScalarType()->isFloatTy();
    Intr::ID id = is_f32 ? (is_min ? Intr::x86_sse_min_ps : Intr::x86_sse_max_ps)
                         : (is_min ? Intr::x86_sse2_min_pd : Intr::x86_sse2_max_pd);
    return b_.CreateIntrinsic(id, {}, {x, y});
  }
  Value* c = is_min ? b_.CreateFCmpOLT(x, y) : b_.CreateFCmpOGT(x, y);
  return b_.CreateSelect(c, x, y);
}

// ---------------------------------------------------------------------------------------------
// Comparisons: each lane becomes all ones (true) or zero.

Value* FunctionTranslator::simdCompare(uint32_t opcode, FixedVectorType* shape,
                                       llvm::ArrayRef<Value*> args) {
  using P = llvm::CmpInst::Predicate;
  P p;
  switch (opcode) {
    case Op::I8X16Eq: case Op::I16X8Eq: case Op::I32X4Eq: case Op::I64X2Eq:
      p = P::ICMP_EQ; break;
    case Op::I8X16Ne: case Op::I16X8Ne: case Op::I32X4Ne: case Op::I64X2Ne:
      p = P::ICMP_NE; break;
    case Op::I8X16LtS: case Op::I16X8LtS: case Op::I32X4LtS: case Op::I64X2LtS:
      p = P::ICMP_SLT; break;
    case Op::I8X16LtU: case Op::I16X8LtU: case Op::I32X4LtU: p = P::ICMP_ULT; break;
    case Op::I8X16GtS: case Op::I16X8GtS: case Op::I32X4GtS: case Op::I64X2GtS:
      p = P::ICMP_SGT; break;
    case Op::I8X16GtU: case Op::I16X8GtU: case Op::I32X4GtU: p = P::ICMP_UGT; break;
    case Op::I8X16LeS: case Op::I16X8LeS: case Op::I32X4LeS: case Op::I64X2LeS:
      p = P::ICMP_SLE; break;
    case Op::I8X16LeU: case Op::I16X8LeU: case Op::I32X4LeU: p = P::ICMP_ULE; break;
    case Op::I8X16GeS: case Op::I16X8GeS: case Op::I32X4GeS: case Op::I64X2GeS:
      p = P::ICMP_SGE; break;
    case Op::I8X16GeU: case Op::I16X8GeU: case Op::I32X4GeU: p = P::ICMP_UGE; break;
    case Op::F32X4Eq: case Op::F64X2Eq: p = P::FCMP_OEQ; break;
    case Op::F32X4Ne: case Op::F64X2Ne: p = P::FCMP_UNE; break;  // true when either is NaN
    case Op::F32X4Lt: case Op::F64X2Lt: p = P::FCMP_OLT; break;
    case Op::F32X4Gt: case Op::F64X2Gt: p = P::FCMP_OGT; break;
    case Op::F32X4Le: case Op::F64X2Le: p = P::FCMP_OLE; break;
    case Op::F32X4Ge: case Op::F64X2Ge: p = P::FCMP_OGE; break;
    default: return nullptr;
  }
  Value* a = b_.CreateBitCast(args[0], shape);
  Value* b = b_.CreateBitCast(args[1], shape);
  Value* r = llvm::CmpInst::isFPPredicate(p) ? b_.CreateFCmp(p, a, b) : b_.CreateICmp(p, a, b);
  return b_.CreateSExt(r, llvm::VectorType::getInteger(shape));
}

// ---------------------------------------------------------------------------------------------
// Conversions between float and integer lanes

Value* FunctionTranslator::simdConvert(uint32_t opcode, llvm::ArrayRef<Value*> args) {
  auto* i32x4 = FixedVectorType::get(env_.i32, 4);
  auto* f32x2 = FixedVectorType::get(env_.f32, 2);
  auto* f32x4 = FixedVectorType::get(env_.f32, 4);
  auto* f64x2 = FixedVectorType::get(env_.f64, 2);
  auto arg = [&](llvm::Type* t) { return b_.CreateBitCast(args[0], t); };
  auto low2 = [&](llvm::Type* t) { return b_.CreateShuffleVector(arg(t), laneIndices(2, 0)); };
  // Widens a 2-lane result to 4 lanes with zeros on top (the *_zero forms).
  auto zeroHigh = [&](Value* v) {
    return b_.CreateShuffleVector(v, llvm::Constant::getNullValue(v->getType()), laneIndices(4, 0));
  };
  switch (opcode) {
    case Op::I32X4TruncSatF32X4S: return simdTruncSat(arg(f32x4), true);
    case Op::I32X4TruncSatF32X4U: return simdTruncSat(arg(f32x4), false);
    case Op::I32X4TruncSatF64X2SZero: return zeroHigh(simdTruncSat(arg(f64x2), true));
    case Op::I32X4TruncSatF64X2UZero: return zeroHigh(simdTruncSat(arg(f64x2), false));
    case Op::F32X4ConvertI32X4S: return b_.CreateSIToFP(arg(i32x4), f32x4);
    case Op::F32X4ConvertI32X4U: return b_.CreateUIToFP(arg(i32x4), f32x4);
    case Op::F64X2ConvertLowI32X4S: return b_.CreateSIToFP(low2(i32x4), f64x2);
    case Op::F64X2ConvertLowI32X4U: return b_.CreateUIToFP(low2(i32x4), f64x2);
    case Op::F32X4DemoteF64X2Zero: {
      // demote(promote(x)) must quiet a signalling NaN; LLVM would fold the pair away.
      Value* v = arg(f64x2);
      if (llvm::isa<llvm::FPExtInst>(v)) v = b_.CreateUnaryIntrinsic(Intr::arithmetic_fence, v);
      return zeroHigh(b_.CreateFPTrunc(v, f32x2));
    }
    case Op::F64X2PromoteLowF32X4: return b_.CreateFPExt(low2(f32x4), f64x2);
    default: return nullptr;
  }
}

// Spec 4.3.4 trunc_sat to i32 lanes: NaN -> 0, out of range -> the nearest bound. Written as
// clamps (minps/maxps) around a plain fptosi/fptoui (cvttps2dq, ...): llvm.fpto*i.sat is exact
// too, but LLVM 19 lowers its vector forms for x86 one lane at a time.
Value* FunctionTranslator::simdTruncSat(Value* x, bool is_signed) {
  auto* shape = llvm::cast<FixedVectorType>(x->getType());
  auto* ints = FixedVectorType::get(env_.i32, shape->getNumElements());
  bool is_f32 = shape->getElementType()->isFloatTy();
  double lo = is_signed ? -2147483648.0 : 0.0;
  double limit = is_signed ? 2147483648.0 : 4294967296.0;  // the first value out of range
  // The largest value below `limit`: exact in f64; in f32 the float just below (ulp 128 or 256).
  double top = !is_f32 ? limit - 1 : is_signed ? 2147483520.0 : 4294967040.0;
  auto splat = [&](double v) { return llvm::ConstantFP::get(shape, v); };
  Value* c = x;
  if (is_signed) c = b_.CreateSelect(b_.CreateFCmpUNO(x, x), splat(0.0), x);
  c = b_.CreateSelect(b_.CreateFCmpOGT(c, splat(lo)), c, splat(lo));  // unsigned: NaN -> 0 here
  c = b_.CreateSelect(b_.CreateFCmpOGT(c, splat(top)), splat(top), c);
  Value* r = is_signed ? b_.CreateFPToSI(c, ints) : b_.CreateFPToUI(c, ints);
  if (!is_f32) return r;
  llvm::Constant* max = is_signed ? llvm::ConstantInt::get(ints, 0x7fffffff)
                                  : llvm::ConstantInt::get(ints, 0xffffffff);
  return b_.CreateSelect(b_.CreateFCmpOGE(x, splat(limit)), max, r);
}

}  // namespace tern::compile
