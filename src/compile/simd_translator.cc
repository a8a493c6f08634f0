// SIMD (fixed-width 128-bit) instructions lowered to LLVM vector IR.
#include <wabt/cast.h>
#include <wabt/ir.h>

#include "compile/translator.h"

namespace tern::compile {

bool FunctionTranslator::translateSimd(const wabt::Expr& e) {
  // Placeholder until the SIMD lowering lands: trap so results are never silently wrong.
  b_.CreateBr(trapBlock(vm::TrapKind::kUnreachable));
  b_.ClearInsertionPoint();
  return false;
}

}  // namespace tern::compile
