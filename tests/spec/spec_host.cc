// Builds the `spectest` host module (functions, globals, table, memory) in a Store.
#include "spec_host.h"

#include <string>
#include <vector>

namespace tern::spec {

using instance::Extern;
using instance::ExternKind;
using instance::FuncType;
using instance::ValType;
using instance::Value;

namespace {

// The reference interpreter prints its arguments; the runner stays quiet, so these do nothing.
Result<void> ignoreArgs(instance::Caller&, std::span<const Value>, std::span<Value>) { return {}; }

void defineFunc(instance::Store& store, instance::Linker& linker, const char* name,
                std::vector<ValType> params) {
  instance::Func* func = store.createHostFunc(FuncType{std::move(params), {}}, ignoreArgs);
  linker.define("spectest", name, Extern{ExternKind::kFunc, func});
}

Result<void> defineGlobal(instance::Store& store, instance::Linker& linker, const char* name,
                          const Value& value) {
  auto global = store.createGlobal(compile::GlobalType{value.type, false}, value);
  if (!global) return fail(global.error());
  linker.define("spectest", name, Extern{ExternKind::kGlobal, *global});
  return {};
}

}  // namespace

Result<void> defineSpectest(instance::Store& store, instance::Linker& linker) {
  defineFunc(store, linker, "print", {});
  defineFunc(store, linker, "print_i32", {ValType::kI32});
  defineFunc(store, linker, "print_i64", {ValType::kI64});
  defineFunc(store, linker, "print_f32", {ValType::kF32});
  defineFunc(store, linker, "print_f64", {ValType::kF64});
  defineFunc(store, linker, "print_i32_f32", {ValType::kI32, ValType::kF32});
  defineFunc(store, linker, "print_f64_f64", {ValType::kF64, ValType::kF64});

  TERN_TRY(defineGlobal(store, linker, "global_i32", Value::i32(666)));
  TERN_TRY(defineGlobal(store, linker, "global_i64", Value::i64(666)));
  TERN_TRY(defineGlobal(store, linker, "global_f32", Value::f32(666.6f)));
  TERN_TRY(defineGlobal(store, linker, "global_f64", Value::f64(666.6)));

  auto table = store.createTable(
      compile::TableType{ValType::kFuncRef, compile::Limits{10, uint64_t{20}}}, nullptr);
  if (!table) return fail(table.error());
  linker.define("spectest", "table", Extern{ExternKind::kTable, *table});

  auto memory = store.createMemory(compile::Limits{1, uint64_t{2}});
  if (!memory) return fail(memory.error());
  linker.define("spectest", "memory", Extern{ExternKind::kMemory, *memory});
  return {};
}

}  // namespace tern::spec
