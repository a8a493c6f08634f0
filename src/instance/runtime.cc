// Runtime helpers for bulk memory, tables, growth and deadlines (spec 4.4.6-4.4.7). Bounds are
// checked in 64-bit arithmetic before any byte moves, as the 2.0 spec requires.
#include "instance/runtime.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "instance/engine.h"
#include "instance/trap.h"

namespace tern::instance {

struct RuntimeHelpers {
  static Instance& inst(vm::VMContext* ctx) { return *static_cast<Instance*>(ctx->instance); }

  [[noreturn]] static void trap(vm::VMContext*, uint32_t kind) {
    raiseTrap(static_cast<vm::TrapKind>(kind));
  }

  static uint32_t memoryGrow(vm::VMContext* ctx, uint32_t mem, uint32_t delta) {
    auto r = inst(ctx).memory_objs_[mem]->grow(delta);
    return r ? *r : UINT32_MAX;
  }

  static void memoryFill(vm::VMContext* ctx, uint32_t mem, uint32_t dst, uint32_t value, uint32_t n) {
    vm::VMMemory* m = inst(ctx).memories_[mem];
    if (uint64_t(dst) + n > m->size_bytes) raiseTrap(vm::TrapKind::kMemoryOutOfBounds);
    std::memset(m->base + dst, static_cast<int>(value & 0xff), n);
  }

  static void memoryCopy(vm::VMContext* ctx, uint32_t dm, uint32_t sm, uint32_t dst, uint32_t src,
                         uint32_t n) {
    vm::VMMemory* d = inst(ctx).memories_[dm];
    vm::VMMemory* s = inst(ctx).memories_[sm];
    if (uint64_t(dst) + n > d->size_bytes || uint64_t(src) + n > s->size_bytes) {
      raiseTrap(vm::TrapKind::kMemoryOutOfBounds);
    }
    std::memmove(d->base + dst, s->base + src, n);
  }

  static void memoryInit(vm::VMContext* ctx, uint32_t mem, uint32_t seg, uint32_t dst, uint32_t src,
                         uint32_t n) {
    Instance& in = inst(ctx);
    const auto& bytes = in.module().info().datas[seg].bytes;
    uint64_t len = in.dropped_datas_[seg] ? 0 : bytes.size();
    vm::VMMemory* m = in.memories_[mem];
    if (uint64_t(src) + n > len || uint64_t(dst) + n > m->size_bytes) {
      raiseTrap(vm::TrapKind::kMemoryOutOfBounds);
    }
    if (n) std::memcpy(m->base + dst, bytes.data() + src, n);
  }

  static void dataDrop(vm::VMContext* ctx, uint32_t seg) { inst(ctx).dropped_datas_[seg] = true; }

  static uint32_t tableGrow(vm::VMContext* ctx, uint32_t t, void* init, uint32_t delta) {
    auto r = inst(ctx).table_objs_[t]->grow(delta, init);
    return r ? *r : UINT32_MAX;
  }

  static void tableFill(vm::VMContext* ctx, uint32_t t, uint32_t dst, void* value, uint32_t n) {
    vm::VMTable* table = inst(ctx).tables_[t];
    if (uint64_t(dst) + n > table->size) raiseTrap(vm::TrapKind::kTableOutOfBounds);
    std::fill_n(table->elements + dst, n, value);
  }

  static void tableCopy(vm::VMContext* ctx, uint32_t dt, uint32_t st, uint32_t dst, uint32_t src,
                        uint32_t n) {
    vm::VMTable* d = inst(ctx).tables_[dt];
    vm::VMTable* s = inst(ctx).tables_[st];
    if (uint64_t(dst) + n > d->size || uint64_t(src) + n > s->size) {
      raiseTrap(vm::TrapKind::kTableOutOfBounds);
    }
    std::memmove(d->elements + dst, s->elements + src, n * sizeof(void*));
  }

  static void tableInit(vm::VMContext* ctx, uint32_t t, uint32_t seg, uint32_t dst, uint32_t src,
                        uint32_t n) {
    Instance& in = inst(ctx);
    const auto& values = in.elem_values_[seg];
    vm::VMTable* table = in.tables_[t];
    if (uint64_t(src) + n > values.size() || uint64_t(dst) + n > table->size) {
      raiseTrap(vm::TrapKind::kTableOutOfBounds);
    }
    if (n) std::memcpy(table->elements + dst, values.data() + src, n * sizeof(void*));
  }

  static void elemDrop(vm::VMContext* ctx, uint32_t seg) {
    auto& v = inst(ctx).elem_values_[seg];
    v.clear();
    v.shrink_to_fit();
  }

  static void deadline(vm::VMContext* ctx) {
    // `epoch` points at the Engine's std::atomic counter (Engine::epochCounter), which the ticker
    // thread bumps: read it as the atomic it is (a plain read is a data race; TSan reports it).
    uint64_t now = reinterpret_cast<const std::atomic<uint64_t>*>(ctx->limits->epoch)
                       ->load(std::memory_order_relaxed);
    if (now >= ctx->limits->deadline_epoch) raiseTrap(vm::TrapKind::kDeadline);
  }
};

const vm::VMHelpers& runtimeHelpers() {
  static const vm::VMHelpers helpers = {
      &RuntimeHelpers::trap,       &RuntimeHelpers::memoryGrow, &RuntimeHelpers::memoryFill,
      &RuntimeHelpers::memoryCopy, &RuntimeHelpers::memoryInit, &RuntimeHelpers::dataDrop,
      &RuntimeHelpers::tableGrow,  &RuntimeHelpers::tableFill,  &RuntimeHelpers::tableCopy,
      &RuntimeHelpers::tableInit,  &RuntimeHelpers::elemDrop,   &RuntimeHelpers::deadline,
  };
  return helpers;
}

}  // namespace tern::instance
