// FunctionTranslator: lowers one validated wabt function body to LLVM IR.
//
// Wasm's operand stack is modelled at compile time (a vector of llvm::Value*); control frames
// carry PHI nodes for their results. Guest memory is addressed as base + zext(i32) + offset,
// relying on the instance's guard-region reservation for bounds (no checks in code). Traps call
// VMHelpers::trap, which unwinds to the host boundary. SIMD lives in simd_translator.cc.
#pragma once

#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <array>
#include <map>
#include <vector>

#include "compile/module_info.h"
#include "compile/vm_abi.h"

namespace wabt {
struct Module;
struct Func;
class Expr;
}  // namespace wabt

namespace tern::compile {

// Per-LLVM-module state shared by the translators of one partition.
class CodegenEnv {
 public:
  CodegenEnv(llvm::LLVMContext& context, llvm::Module& module, const wabt::Module& ir,
             const ModuleInfo& info);

  llvm::LLVMContext& context;
  llvm::Module& module;
  const wabt::Module& ir;
  const ModuleInfo& info;

  // Debug locations whose line is the Wasm byte offset of the instruction (compile/code_map.h):
  // set by codegen, null to emit none.
  llvm::DIBuilder* di = nullptr;
  llvm::DIFile* di_file = nullptr;
  llvm::DISubroutineType* di_type = nullptr;
  const std::vector<uint32_t>* first_instr_offsets = nullptr;  // per function index

  llvm::Type* i8;
  llvm::Type* i16;
  llvm::Type* i32;
  llvm::Type* i64;
  llvm::Type* f32;
  llvm::Type* f64;
  llvm::Type* v128;  // <4 x i32>, the canonical v128 representation
  llvm::PointerType* ptr;

  llvm::Type* llvmType(ValType t) const;
  // Native signature of Wasm type `type_index`: (ptr callee, ptr caller, params...) -> results.
  llvm::FunctionType* wasmFunctionType(uint32_t type_index);
  llvm::Type* resultType(const FuncType& type);
  // The function `index` (defined in this module), declared here if it lives elsewhere.
  llvm::Function* function(uint32_t index);
  static std::string functionSymbol(uint32_t index);

 private:
  std::vector<llvm::FunctionType*> fn_types_;
};

class FunctionTranslator {
 public:
  FunctionTranslator(CodegenEnv& env, uint32_t func_index);
  void translate();

 private:
  struct Control {
    enum class Kind { kBlock, kLoop, kIf, kFunction } kind;
    llvm::BasicBlock* target;              // where a branch to this label goes
    std::vector<llvm::PHINode*> target_phis;  // values carried by a branch (results, or loop params)
    llvm::BasicBlock* end;                 // continuation after `end`
    std::vector<llvm::PHINode*> end_phis;  // results at `end`
    size_t stack_height;                   // operand stack height below the block's params
  };

  // Debug locations (line = Wasm offset) for the instructions that can trap or call.
  void beginFunctionLocation();
  void setLocation(uint32_t wasm_offset);
  void locateInstruction(const wabt::Expr& e);
  uint32_t endOffset(const wabt::Expr& e) const;

  // Control flow.
  void translateList(const void* expr_list);  // wabt::ExprList*
  bool translateExpr(const wabt::Expr& e);    // false: the rest of the list is unreachable
  void translateBlock(const wabt::Expr& e);
  void translateLoop(const wabt::Expr& e);
  void translateIf(const wabt::Expr& e);
  void branchTo(uint32_t depth);               // adds incoming values, emits br
  void addIncoming(Control& c, llvm::BasicBlock* from, bool to_end);
  void translateBrTable(const wabt::Expr& e);
  void finishBlock(Control& c, bool reachable);
  Control makeControl(Control::Kind kind, const std::vector<ValType>& params,
                      const std::vector<ValType>& results, llvm::BasicBlock* target,
                      llvm::BasicBlock* end);
  void blockSignature(const void* decl, std::vector<ValType>* params, std::vector<ValType>* results);

  // Instructions.
  void translateCall(uint32_t callee);
  void translateCallIndirect(const wabt::Expr& e);
  void emitCall(llvm::FunctionType* type, llvm::Value* callee, llvm::Value* callee_ctx,
                const FuncType& sig);
  bool translateUnary(uint32_t opcode);
  bool translateBinary(uint32_t opcode);
  bool translateCompare(uint32_t opcode);
  bool translateConvert(uint32_t opcode);
  void translateLoad(const wabt::Expr& e);
  void translateStore(const wabt::Expr& e);
  void translateTableOp(const wabt::Expr& e);
  void translateMemoryOp(const wabt::Expr& e);
  llvm::Value* truncChecked(llvm::Value* v, bool is_signed, llvm::Type* to);
  llvm::Value* divRem(uint32_t opcode, llvm::Value* a, llvm::Value* b);

  // SIMD (simd_translator.cc): returns false if `e` is not a SIMD instruction.
  bool translateSimd(const wabt::Expr& e);

  // SIMD helpers (simd_translator.cc, simd_translator_arith.cc). Each group lowers from operands
  // already popped in stack order (any 128-bit vector type) and returns the result, the store
  // instruction for stores, or nullptr when `opcode` is not in the group.
  llvm::Value* simdMemory(uint32_t opcode, llvm::ArrayRef<llvm::Value*> args, uint64_t offset,
                          uint64_t lane);
  llvm::Value* simdLanes(uint32_t opcode, llvm::FixedVectorType* shape,
                         llvm::ArrayRef<llvm::Value*> args, uint64_t lane, const uint8_t* shuffle);
  llvm::Value* simdSwizzle(llvm::Value* a, llvm::Value* s);
  llvm::Value* simdBitwise(uint32_t opcode, llvm::ArrayRef<llvm::Value*> args);
  llvm::Value* simdIntArith(uint32_t opcode, llvm::FixedVectorType* shape,
                            llvm::ArrayRef<llvm::Value*> args);
  llvm::Value* simdShiftCount(llvm::Value* count, llvm::FixedVectorType* shape);
  llvm::Value* simdWidening(uint32_t opcode, llvm::FixedVectorType* shape,
                            llvm::ArrayRef<llvm::Value*> args);
  llvm::Value* simdQ15MulrSat(llvm::Value* a, llvm::Value* b);
  llvm::Value* simdNarrow(llvm::FixedVectorType* shape, llvm::Value* a, llvm::Value* b,
                          bool is_signed);
  llvm::Value* simdFloatArith(uint32_t opcode, llvm::FixedVectorType* shape,
                              llvm::ArrayRef<llvm::Value*> args);
  llvm::Value* simdFMinMax(llvm::Value* a, llvm::Value* b, bool is_min);
  llvm::Value* simdMinMaxOrdered(llvm::Value* x, llvm::Value* y, bool is_min);
  llvm::Value* simdCompare(uint32_t opcode, llvm::FixedVectorType* shape,
                           llvm::ArrayRef<llvm::Value*> args);
  llvm::Value* simdConvert(uint32_t opcode, llvm::ArrayRef<llvm::Value*> args);
  llvm::Value* simdTruncSat(llvm::Value* x, bool is_signed);
  // End SIMD helpers.

  // Runtime access.
  llvm::Value* memoryAddress(llvm::Value* index, uint64_t offset);
  llvm::Value* loadField(llvm::Value* base, uint32_t offset, llvm::Type* type, const char* name);
  llvm::Value* globalPtr(uint32_t index);
  llvm::Value* tablePtr(uint32_t index);
  llvm::Value* helper(uint32_t slot, llvm::FunctionType* type, llvm::ArrayRef<llvm::Value*> args);
  void trapIf(llvm::Value* cond, vm::TrapKind kind);
  llvm::BasicBlock* trapBlock(vm::TrapKind kind);
  void emitEpochCheck();
  void emitStackCheck();

  // Operand stack.
  void push(llvm::Value* v) { stack_.push_back(v); }
  llvm::Value* pop() {
    llvm::Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  llvm::Value* popAs(llvm::Type* t);  // pops, bitcasting vectors to `t`
  std::vector<llvm::Value*> popN(size_t n);
  llvm::Value* i32(uint64_t v) { return b_.getInt32(static_cast<uint32_t>(v)); }
  llvm::Value* i64(uint64_t v) { return b_.getInt64(v); }
  llvm::Value* callIntrinsic(unsigned id, llvm::ArrayRef<llvm::Type*> types,
                             llvm::ArrayRef<llvm::Value*> args);

  CodegenEnv& env_;
  uint32_t func_index_;
  const wabt::Func& func_;
  const FuncType& type_;
  llvm::Function* fn_;
  llvm::IRBuilder<> b_;
  llvm::Value* ctx_ = nullptr;
  llvm::Value* mem_base_ = nullptr;
  llvm::Value* limits_ = nullptr;
  llvm::Value* epoch_ptr_ = nullptr;
  llvm::Value* helpers_ = nullptr;
  std::vector<llvm::AllocaInst*> locals_;
  std::vector<ValType> local_types_;
  std::vector<llvm::Value*> stack_;
  std::vector<Control> controls_;
  std::array<llvm::BasicBlock*, 16> trap_blocks_{};  // per kind, for the current location
  llvm::DISubprogram* subprogram_ = nullptr;
  uint32_t next_offset_ = 0;  // Wasm offset where the next instruction starts
  uint32_t location_ = 0;     // Wasm offset of the current debug location
  llvm::MDNode* unlikely_ = nullptr;
};

}  // namespace tern::compile
