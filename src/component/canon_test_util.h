// Shared fixture of the canonical ABI tests: a real Store and Memory, a bump-allocating realloc
// host function that records its calls, recording HandleOps, WIT type builders and a printer.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "component/canon.h"
#include "instance/engine.h"

namespace tern::component::testing {

using instance::Value;
using Core = compile::ValType;

// Guest handle h <-> rep h + 100 for lifts; lowers hand out handles 1, 2, 3, ...
class RecordingHandles : public HandleOps {
 public:
  std::vector<std::string> log;
  Result<uint32_t> liftOwn(const ResourceType* type, uint32_t handle) override {
    return lift("liftOwn", type, handle);
  }
  Result<uint32_t> liftBorrow(const ResourceType* type, uint32_t handle) override {
    return lift("liftBorrow", type, handle);
  }
  Result<uint32_t> lowerOwn(const ResourceType* type, uint32_t rep) override {
    log.push_back("lowerOwn " + type->name + " " + std::to_string(rep));
    return next_++;
  }
  Result<uint32_t> lowerBorrow(const ResourceType* type, uint32_t rep) override {
    log.push_back("lowerBorrow " + type->name + " " + std::to_string(rep));
    return next_++;
  }

 private:
  Result<uint32_t> lift(const char* what, const ResourceType* type, uint32_t handle) {
    log.push_back(std::string(what) + " " + type->name + " " + std::to_string(handle));
    if (handle == 0 || handle >= 100) {
      return fail(ErrorCode::kTrap, "unknown handle ", std::to_string(handle));
    }
    return handle + 100;
  }
  uint32_t next_ = 1;
};

struct ReallocCall {
  uint32_t old_ptr, old_size, align, new_size, result;
  bool operator==(const ReallocCall&) const = default;
};

// Owns WIT types for a test (ValType holds raw pointers to its element types).
class Types {
 public:
  const ValType* prim(TypeKind k) { return add({k, {}, {}}); }
  const ValType* list(const ValType* e) { return add({TypeKind::kList, {}, {e}}); }
  const ValType* record(std::vector<const ValType*> fields) {
    std::vector<std::string> labels;
    for (size_t i = 0; i < fields.size(); ++i) labels.push_back("f" + std::to_string(i));
    return add({TypeKind::kRecord, labels, std::move(fields)});
  }
  const ValType* tuple(std::vector<const ValType*> items) {
    return add({TypeKind::kTuple, {}, std::move(items)});
  }
  const ValType* variant(std::vector<const ValType*> cases) {
    std::vector<std::string> labels;
    for (size_t i = 0; i < cases.size(); ++i) labels.push_back("c" + std::to_string(i));
    return add({TypeKind::kVariant, labels, std::move(cases)});
  }
  const ValType* enumType(size_t n) { return add({TypeKind::kEnum, names(n), {}}); }
  const ValType* flags(size_t n) { return add({TypeKind::kFlags, names(n), {}}); }
  const ValType* option(const ValType* t) { return add({TypeKind::kOption, {}, {t}}); }
  const ValType* result(const ValType* ok, const ValType* err) {
    return add({TypeKind::kResult, {}, {ok, err}});
  }
  const ValType* own(const ResourceType* r) { return add({TypeKind::kOwn, {}, {}, r}); }
  const ValType* borrow(const ResourceType* r) { return add({TypeKind::kBorrow, {}, {}, r}); }

 private:
  static std::vector<std::string> names(size_t n) {
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) out.push_back("l" + std::to_string(i));
    return out;
  }
  const ValType* add(ValType t) { return &types_.emplace_back(std::move(t)); }
  std::deque<ValType> types_;
};

// A readable rendering of a value per its type, for comparisons with useful failure output.
std::string show(const ValType& t, const Val& v);

class CanonTest : public ::testing::Test {
 protected:
  void SetUp() override;
  CanonContext cx() { return CanonContext{*store_, options_, handles_}; }
  uint8_t* mem() { return memory_->data(); }
  template <class T>
  void poke(uint32_t at, T v) { std::memcpy(mem() + at, &v, sizeof v); }
  template <class T>
  T peek(uint32_t at) {
    T v;
    std::memcpy(&v, mem() + at, sizeof v);
    return v;
  }
  void pokeBytes(uint32_t at, std::string_view bytes) {
    std::memcpy(mem() + at, bytes.data(), bytes.size());
  }
  std::string peekBytes(uint32_t at, size_t n) {
    return std::string(reinterpret_cast<char*>(mem() + at), n);
  }

  std::unique_ptr<instance::Engine> engine_;
  std::unique_ptr<instance::Store> store_;
  instance::Memory* memory_ = nullptr;
  instance::Func* realloc_ = nullptr;
  CanonOptions options_;
  RecordingHandles handles_;
  std::vector<ReallocCall> reallocs_;
  // When set, realloc returns this instead of allocating (misbehaving guests).
  std::function<uint32_t(const ReallocCall&)> realloc_override_;
  uint32_t next_ = 4096;  // the bump pointer; tests write their own data below it
  Types types_;
  ResourceType resource_{"test:res/r", true};
};

}  // namespace tern::component::testing
