// Store: owns instances and runtime objects, enforces limits, and calls into guests.
#include <array>
#include <cstring>

#include "common/limits.h"
#include "compile/loaded_code.h"
#include "instance/engine.h"
#include "instance/memory_pool.h"
#include "instance/trap.h"

namespace tern::instance {

// ---- Memory ----

struct Memory::Slot {
  MemorySlotPool* pool;
  MemorySlot* slot;
};

Memory::~Memory() {
  if (slot_) slot_->pool->release(slot_->slot);
}

uint32_t Memory::pages() const { return static_cast<uint32_t>(vm_.size_bytes / limits::kWasmPageBytes); }

std::optional<uint32_t> Memory::grow(uint32_t delta_pages) {
  uint64_t old_pages = pages();
  uint64_t new_pages = old_pages + delta_pages;
  uint64_t max_pages = std::min<uint64_t>(limits_.max.value_or(limits::kMaxWasmPages), limits::kMaxWasmPages);
  if (new_pages > max_pages) return std::nullopt;
  uint64_t new_bytes = new_pages * limits::kWasmPageBytes;
  if (store_ && new_bytes > store_->limits().max_memory_bytes && delta_pages > 0) return std::nullopt;
  if (!slot_->pool->grow(slot_->slot, new_bytes)) return std::nullopt;
  vm_.size_bytes = new_bytes;
  return static_cast<uint32_t>(old_pages);
}

std::optional<std::span<uint8_t>> Memory::span(uint64_t offset, uint64_t len) const {
  if (offset > vm_.size_bytes || len > vm_.size_bytes - offset) return std::nullopt;
  return std::span<uint8_t>(vm_.base + offset, len);
}

// ---- Table / Global ----

std::optional<uint32_t> Table::grow(uint32_t delta, void* init) {
  uint64_t old = vm_.size;
  uint64_t next = old + delta;
  if (next > vm_.max) return std::nullopt;
  storage_.resize(next, init);
  vm_.elements = storage_.data();
  vm_.size = static_cast<uint32_t>(next);
  return static_cast<uint32_t>(old);
}

Value Global::get() const {
  Value v;
  v.type = type_.type;
  v.raw = vm_.value;
  return v;
}

void Global::set(const Value& v) { vm_.value = v.raw; }

// ---- Host functions ----

struct Func::HostData {
  vm::HostFuncContext hctx;  // must stay first: generated adapters receive &hctx as `callee`
  Func* func;
  Store* store;
  HostCallback callback;
};

namespace {

// Runs the callback; on failure records the trap and returns its kind (no C++ objects may be
// alive in the frame that longjmps).
vm::TrapKind invokeHost(Func::HostData* hd, vm::VMContext* caller_ctx, vm::RawValue* slots) {
  const FuncType& type = hd->func->type();
  // Host calls sit on hot paths (WASI fd_write per printf): no heap allocation for the common
  // small signatures.
  constexpr size_t kInline = 16;
  std::array<Value, kInline> arg_buf, result_buf;
  std::vector<Value> arg_heap, result_heap;
  std::span<Value> args(arg_buf.data(), type.params.size());
  std::span<Value> results(result_buf.data(), type.results.size());
  if (type.params.size() > kInline) {
    arg_heap.resize(type.params.size());
    args = arg_heap;
  }
  if (type.results.size() > kInline) {
    result_heap.resize(type.results.size());
    results = result_heap;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    args[i].type = type.params[i];
    args[i].raw = slots[i];
  }
  for (size_t i = 0; i < results.size(); ++i) results[i].type = type.results[i];
  Instance* instance = caller_ctx ? static_cast<Instance*>(caller_ctx->instance) : nullptr;
  Caller caller(*hd->store, instance);
  auto r = hd->callback(caller, args, results);
  if (!r) {
    if (r.error().code == ErrorCode::kExit) {
      setPendingExitStatus(r.error().detail);
      return vm::TrapKind::kExit;
    }
    if (r.error().code == ErrorCode::kTrap && r.error().detail != 0) {
      setPendingTrapMessage(r.error().message);
      return static_cast<vm::TrapKind>(r.error().detail);
    }
    setPendingTrapMessage(r.error().toString());
    return vm::TrapKind::kHost;
  }
  for (size_t i = 0; i < results.size(); ++i) slots[i] = results[i].raw;
  return vm::TrapKind{0};
}

void hostDispatch(vm::HostFuncContext* self, vm::VMContext* caller, vm::RawValue* slots) {
  vm::TrapKind kind = invokeHost(reinterpret_cast<Func::HostData*>(self), caller, slots);
  if (kind != vm::TrapKind{0}) raiseTrap(kind);
}

}  // namespace

Memory* Caller::memory() { return instance_ ? instance_->memory_export_ : nullptr; }

// ---- Store ----

Store::Store(Engine& engine, StoreLimits limits) : engine_(engine), limits_(limits) {
  vm_limits_.epoch = engine.epochCounter();
  vm_limits_.deadline_epoch = UINT64_MAX;
}

Store::~Store() {
  instances_.clear();  // before memories: instances hold pointers into them
}

Result<Memory*> Store::newMemory(const compile::Limits& lim, std::shared_ptr<const MemoryImage> image) {
  uint64_t bytes = lim.min * limits::kWasmPageBytes;
  if (lim.min > limits::kMaxWasmPages) return fail(ErrorCode::kResourceExhausted, "memory too large");
  if (bytes > limits_.max_memory_bytes) {
    return fail(ErrorCode::kResourceExhausted, "initial memory exceeds the instance memory cap");
  }
  auto slot = engine_.memoryPool().acquire(image, bytes);
  if (!slot) return fail(slot.error());
  auto m = std::unique_ptr<Memory>(new Memory());
  m->slot_ = std::make_unique<Memory::Slot>(Memory::Slot{&engine_.memoryPool(), *slot});
  m->vm_.base = (*slot)->base;
  m->vm_.size_bytes = bytes;
  m->limits_ = lim;
  m->store_ = this;
  memories_.push_back(std::move(m));
  return memories_.back().get();
}

uint64_t Store::memoryBytes() const {
  uint64_t total = 0;
  for (const auto& m : memories_) total += m->sizeBytes();
  return total;
}

Result<Memory*> Store::createMemory(const compile::Limits& lim) { return newMemory(lim, nullptr); }

Result<Table*> Store::createTable(const TableType& type, void* init) {
  if (type.limits.min > limits::kMaxTableElements) {
    return fail(ErrorCode::kResourceExhausted, "table too large");
  }
  auto t = std::unique_ptr<Table>(new Table());
  t->type_ = type;
  t->storage_.assign(type.limits.min, init);
  t->vm_.elements = t->storage_.data();
  t->vm_.size = static_cast<uint32_t>(type.limits.min);
  t->vm_.max = static_cast<uint32_t>(
      std::min<uint64_t>(type.limits.max.value_or(limits::kMaxTableElements), limits::kMaxTableElements));
  tables_.push_back(std::move(t));
  return tables_.back().get();
}

Result<Global*> Store::createGlobal(const GlobalType& type, const Value& init) {
  auto g = std::unique_ptr<Global>(new Global());
  g->type_ = type;
  g->vm_.value = init.raw;
  globals_.push_back(std::move(g));
  return globals_.back().get();
}

Func* Store::createHostFunc(FuncType type, HostCallback callback) {
  uint32_t id = engine_.typeId(type);
  return createHostFunc(std::move(type), std::move(callback), id);
}

Func* Store::createHostFunc(FuncType type, HostCallback callback, uint32_t type_id) {
  auto* f = createHostFunc(static_cast<const FuncType*>(nullptr), std::move(callback), type_id);
  f->own_type_ = std::move(type);
  f->type_ = &f->own_type_;
  return f;
}

Func* Store::createHostFunc(const FuncType* type, HostCallback callback, uint32_t type_id) {
  auto f = std::unique_ptr<Func>(new Func());
  if (type) f->type_ = type;
  f->host_ = std::make_unique<Func::HostData>();
  f->host_->hctx.dispatch = hostDispatch;
  f->host_->func = f.get();
  f->host_->store = this;
  f->host_->callback = std::move(callback);
  f->ref_.code = nullptr;  // bound to a host adapter when a module imports it
  f->ref_.type_id = type_id;
  f->ref_.context = reinterpret_cast<vm::VMContext*>(&f->host_->hctx);
  funcs_.push_back(std::move(f));
  return funcs_.back().get();
}

Func* Store::newWasmFunc(Instance& instance, uint32_t func_index) {
  auto f = std::unique_ptr<Func>(new Func());
  f->ref_ = instance.func_refs_[func_index];
  f->type_ = &instance.module().info().funcType(func_index);
  f->entry_ = instance.module().code_->entry(instance.module().info().func_types[func_index]);
  funcs_.push_back(std::move(f));
  return funcs_.back().get();
}

namespace {
struct CallFrame {
  Func* func;
  vm::RawValue* slots;
};
void enterWasm(void* p) {
  auto* c = static_cast<CallFrame*>(p);
  c->func->entry()(c->func->ref()->code, c->func->ref()->context, c->func->ref()->context, c->slots);
}
}  // namespace

// The engine epoch (ms) at which the outermost call stops: the earlier of the request's deadline
// and the per-call limit; UINT64_MAX for neither. One epoch of slack, as the ticker is coarse.
uint64_t Store::deadlineEpoch() const {
  using std::chrono::ceil;
  using std::chrono::milliseconds;
  std::optional<std::chrono::nanoseconds> left = limits_.deadline;
  if (context_ && context_->deadline) {
    auto until = std::max(*context_->deadline - std::chrono::steady_clock::now(),
                          std::chrono::steady_clock::duration::zero());
    left = left ? std::min<std::chrono::nanoseconds>(*left, until) : until;
  }
  if (!left) return UINT64_MAX;
  return engine_.currentEpoch() + 1 + static_cast<uint64_t>(ceil<milliseconds>(*left).count());
}

Result<std::vector<Value>> Store::call(Func* func, std::span<const Value> args) {
  const FuncType& type = func->type();
  if (args.size() != type.params.size()) {
    return fail(ErrorCode::kInvalidArgument, "expected ", std::to_string(type.params.size()),
                " arguments, got ", std::to_string(args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type != type.params[i]) {
      return fail(ErrorCode::kInvalidArgument, "argument ", std::to_string(i), " has type ",
                  compile::valTypeName(args[i].type), ", expected ",
                  compile::valTypeName(type.params[i]));
    }
  }
  if (func->host_) {
    std::vector<Value> results(type.results.size());
    for (size_t i = 0; i < results.size(); ++i) results[i].type = type.results[i];
    Caller caller(*this, nullptr);
    auto r = func->host_->callback(caller, args, results);
    if (!r) return fail(r.error());
    return results;
  }
  std::vector<vm::RawValue> slots(std::max<size_t>({args.size(), type.results.size(), 1}));
  for (size_t i = 0; i < args.size(); ++i) slots[i] = args[i].raw;
  bool outermost = call_depth_ == 0;
  if (outermost) vm_limits_.deadline_epoch = deadlineEpoch();
  ++call_depth_;
  CallFrame frame{func, slots.data()};
  auto r = callGuarded(&vm_limits_, enterWasm, &frame);
  --call_depth_;
  if (outermost) vm_limits_.deadline_epoch = UINT64_MAX;
  if (!r) return fail(r.error());
  std::vector<Value> results(type.results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    results[i].type = type.results[i];
    results[i].raw = slots[i];
  }
  return results;
}

}  // namespace tern::instance
