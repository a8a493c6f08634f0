// Debug locations for generated code: each instruction that can trap or call gets a location
// whose line is its Wasm byte offset, so the object's line table maps machine code back to Wasm
// (read back into a CodeMap by code_map_codegen.cc).
#include <llvm/IR/DebugInfoMetadata.h>
#include <wabt/cast.h>
#include <wabt/ir.h>

#include "compile/translator.h"

namespace tern::compile {

namespace {

using ET = wabt::ExprType;
using Op = wabt::Opcode;

bool isDivision(const wabt::Expr& e) {
  switch (wabt::cast<wabt::BinaryExpr>(&e)->opcode) {
    case Op::I32DivS:
    case Op::I32DivU:
    case Op::I32RemS:
    case Op::I32RemU:
    case Op::I64DivS:
    case Op::I64DivU:
    case Op::I64RemS:
    case Op::I64RemU:
      return true;
    default:
      return false;
  }
}

// The instructions a backtrace can stop at: traps, faults, calls and deadline checks. Others
// keep the previous location, which keeps the line table (and the artifact) small.
bool locatable(const wabt::Expr& e) {
  switch (e.type()) {
    case ET::Call:
    case ET::CallIndirect:
    case ET::Unreachable:
    case ET::Loop:
    case ET::Load:
    case ET::Store:
    case ET::LoadSplat:
    case ET::LoadZero:
    case ET::SimdLoadLane:
    case ET::SimdStoreLane:
    case ET::Convert:
    case ET::MemoryGrow:
    case ET::MemoryFill:
    case ET::MemoryCopy:
    case ET::MemoryInit:
    case ET::TableGet:
    case ET::TableSet:
    case ET::TableGrow:
    case ET::TableFill:
    case ET::TableCopy:
    case ET::TableInit:
      return true;
    case ET::Binary:
      return isDivision(e);
    default:
      return false;
  }
}

}  // namespace

void FunctionTranslator::beginFunctionLocation() {
  if (!env_.di) return;
  // The function's own location is its body offset, which is also what Wasm DWARF calls the
  // function's address: the prologue's stack and deadline checks report it.
  auto body = static_cast<uint32_t>(func_.loc.offset);
  subprogram_ = env_.di->createFunction(
      env_.di_file, CodegenEnv::functionSymbol(func_index_), "", env_.di_file, body, env_.di_type,
      body, llvm::DINode::FlagZero, llvm::DISubprogram::SPFlagDefinition);
  fn_->setSubprogram(subprogram_);
  location_ = 0;
  setLocation(body);
  const auto& firsts = *env_.first_instr_offsets;
  next_offset_ = func_index_ < firsts.size() ? firsts[func_index_] : body;
}

void FunctionTranslator::setLocation(uint32_t wasm_offset) {
  if (!subprogram_ || wasm_offset == location_) return;
  location_ = wasm_offset;
  b_.SetCurrentDebugLocation(llvm::DILocation::get(env_.context, wasm_offset, 0, subprogram_));
  trap_blocks_.fill(nullptr);  // trap blocks are per site
}

void FunctionTranslator::locateInstruction(const wabt::Expr& e) {
  if (locatable(e)) setLocation(next_offset_);
}

// wabt records where each instruction's encoding ends; the next one starts there. Structured
// instructions end at their `end` opcode.
uint32_t FunctionTranslator::endOffset(const wabt::Expr& e) const {
  switch (e.type()) {
    case ET::Block:
      return static_cast<uint32_t>(wabt::cast<wabt::BlockExpr>(&e)->block.end_loc.offset);
    case ET::Loop:
      return static_cast<uint32_t>(wabt::cast<wabt::LoopExpr>(&e)->block.end_loc.offset);
    case ET::If: {
      const auto* ife = wabt::cast<wabt::IfExpr>(&e);
      // Without an `else`, the then-arm's end is the `end` opcode.
      return static_cast<uint32_t>(ife->false_end_loc.offset ? ife->false_end_loc.offset
                                                             : ife->true_.end_loc.offset);
    }
    default:
      return static_cast<uint32_t>(e.loc.offset);
  }
}

}  // namespace tern::compile
