// Trap boundary: setjmp/longjmp plus SIGSEGV/SIGBUS handling for guard-region faults.
#include "instance/trap.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common/limits.h"
#include "compile/loaded_code.h"
#include "instance/trap_backtrace.h"

namespace tern::vm {

const char* trapMessage(TrapKind kind) {
  switch (kind) {
    case TrapKind::kUnreachable: return "unreachable executed";
    case TrapKind::kMemoryOutOfBounds: return "out of bounds memory access";
    case TrapKind::kTableOutOfBounds: return "out of bounds table access";
    case TrapKind::kIndirectCallNull: return "uninitialized element (indirect call to null)";
    case TrapKind::kIndirectCallSignature: return "indirect call type mismatch";
    case TrapKind::kIntegerDivideByZero: return "integer divide by zero";
    case TrapKind::kIntegerOverflow: return "integer overflow";
    case TrapKind::kInvalidConversion: return "invalid conversion to integer";
    case TrapKind::kStackExhausted: return "call stack exhausted";
    case TrapKind::kDeadline: return "deadline exceeded";
    case TrapKind::kNullReference: return "null reference";
    case TrapKind::kHost: return "host function failed";
    case TrapKind::kExit: return "exit";
  }
  return "trap";
}

}  // namespace tern::vm

namespace tern::instance {

namespace {

struct Activation {
  jmp_buf buf;
  Activation* prev;
  vm::TrapKind kind;
  int32_t exit_status;
  std::string message;
  // Guest frames at the trap (innermost first), filled before the longjmp, symbolised after.
  uintptr_t pcs[kMaxTrapFrames];  // not initialised: only [0, num_pcs) is ever read
  uint32_t num_pcs;
  uint32_t more_frames;  // guest frames beyond pcs
  bool first_is_fault;   // pcs[0] is the faulting instruction, not a return address
};

// Per-thread state, touched only by callGuarded's RAII guard and the trap paths below.
thread_local Activation* t_current = nullptr;
thread_local uintptr_t t_stack_limit = 0;
thread_local uintptr_t t_stack_high = 0;  // top of this thread's stack; 0 when unknown
thread_local void* t_altstack = nullptr;

constexpr size_t kMaxRegions = 1 << 14;
struct Region {
  std::atomic<uintptr_t> start{0};
  std::atomic<uintptr_t> end{0};
};
Region g_regions[kMaxRegions];
std::atomic<size_t> g_region_high{0};
std::mutex g_region_mutex;

struct sigaction g_prev_segv;
struct sigaction g_prev_bus;

bool inGuardedRegion(uintptr_t addr) {
  size_t n = g_region_high.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    uintptr_t s = g_regions[i].start.load(std::memory_order_relaxed);
    if (s && addr >= s && addr < g_regions[i].end.load(std::memory_order_relaxed)) return true;
  }
  return false;
}

// Records the guest frames of a trap by following frame pointers (generated code keeps them)
// from `fp` up to the thread's stack top. Leading host frames (runtime helpers, host functions)
// are skipped; the first host frame after guest frames is the trap boundary's entry trampoline's
// caller, where the walk stops. Every frame pointer is checked to ascend within [`low`, stack
// top), the live part of this thread's stack, so a host frame that does not keep one ends the
// walk instead of misleading it or faulting. Async-signal-safe. Not instrumented by ASan: the
// slots it reads may lie in a host frame's redzone when that frame keeps no frame pointer.
__attribute__((no_sanitize("address"))) void walkGuestFrames(Activation& a, uintptr_t fp,
                                                             uintptr_t low) {
  constexpr uint32_t kMaxHostFrames = 8;
  constexpr size_t kMaxSteps = size_t{1} << 20;
  uint32_t host_frames = 0;
  bool in_guest = a.num_pcs > 0;
  for (size_t step = 0; step < kMaxSteps; ++step) {
    if ((fp & 7) != 0 || fp < low || fp + 16 > t_stack_high || fp + 16 < fp) break;
    auto* frame = reinterpret_cast<const uintptr_t*>(fp);
    uintptr_t next = frame[0], ret = frame[1];
    if (compile::LoadedCode::containing(ret)) {
      in_guest = true;
      if (a.num_pcs < kMaxTrapFrames) {
        a.pcs[a.num_pcs++] = ret;
      } else {
        ++a.more_frames;
      }
    } else if (in_guest || ++host_frames > kMaxHostFrames) {
      break;
    }
    if (next <= fp) break;
    fp = next;
  }
}

void onFault(int sig, siginfo_t* info, void* uctx) {
  Activation* a = t_current;
  if (a && inGuardedRegion(reinterpret_cast<uintptr_t>(info->si_addr))) {
    a->kind = vm::TrapKind::kMemoryOutOfBounds;
    const mcontext_t& mc = static_cast<ucontext_t*>(uctx)->uc_mcontext;
    auto pc = static_cast<uintptr_t>(mc.gregs[REG_RIP]);
    if (compile::LoadedCode::containing(pc)) {
      a->pcs[a->num_pcs++] = pc;
      a->first_is_fault = true;
    }
    walkGuestFrames(*a, static_cast<uintptr_t>(mc.gregs[REG_RBP]),
                    static_cast<uintptr_t>(mc.gregs[REG_RSP]));
    // Our SA_NODEFER does not help when another handler installed later without it (libFuzzer's,
    // a crash reporter's) chains to this one: the kernel then blocks `sig` while it runs, and
    // longjmp would leave it blocked, so the thread's next guest fault would kill the process.
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, sig);
    pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
    longjmp(a->buf, 1);
  }
  // Not ours: behave as if we were never installed.
  struct sigaction* prev = sig == SIGSEGV ? &g_prev_segv : &g_prev_bus;
  if (prev->sa_flags & SA_SIGINFO) {
    prev->sa_sigaction(sig, info, uctx);
    return;
  }
  if (prev->sa_handler == SIG_IGN) return;
  if (prev->sa_handler != SIG_DFL) {
    prev->sa_handler(sig);
    return;
  }
  signal(sig, SIG_DFL);  // re-executing the faulting instruction now kills the process
}

void installHandlersOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = onFault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_prev_segv);
    sigaction(SIGBUS, &sa, &g_prev_bus);
  });
}

// Frees this thread's alternate signal stack at thread exit.
struct AltStackOwner {
  ~AltStackOwner() {
    if (t_altstack) {
      stack_t ss{};
      ss.ss_flags = SS_DISABLE;
      sigaltstack(&ss, nullptr);
      munmap(t_altstack, kSize);
    }
  }
  static constexpr size_t kSize = 64 * 1024;
};
thread_local AltStackOwner t_altstack_owner;

void prepareThread() {
  if (t_stack_limit) return;
  pthread_attr_t attr;
  void* addr = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  if (addr && size > limits::kStackReserveBytes) {
    t_stack_limit = reinterpret_cast<uintptr_t>(addr) + limits::kStackReserveBytes;
    t_stack_high = reinterpret_cast<uintptr_t>(addr) + size;
  } else {
    t_stack_limit = 1;  // unknown stack: rely on the guard page alone
  }
  void* alt = mmap(nullptr, AltStackOwner::kSize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (alt != MAP_FAILED) {
    stack_t ss{};
    ss.ss_sp = alt;
    ss.ss_size = AltStackOwner::kSize;
    if (sigaltstack(&ss, nullptr) == 0) {
      t_altstack = alt;
      (void)&t_altstack_owner;
    } else {
      munmap(alt, AltStackOwner::kSize);
    }
  }
}

// RAII: pushes/pops the thread's activation chain.
class ActivationGuard {
 public:
  explicit ActivationGuard(Activation* a) : a_(a) {
    a->prev = t_current;
    t_current = a;
  }
  ~ActivationGuard() { t_current = a_->prev; }

 private:
  Activation* a_;
};

}  // namespace

Result<void> callGuarded(vm::VMLimits* limits, void (*fn)(void*), void* arg) {
  installHandlersOnce();
  prepareThread();
  limits->stack_limit = t_stack_limit;
  Activation activation;
  activation.kind = vm::TrapKind::kUnreachable;
  activation.exit_status = 0;
  activation.num_pcs = 0;
  activation.more_frames = 0;
  activation.first_is_fault = false;
  ActivationGuard guard(&activation);
  if (setjmp(activation.buf) == 0) {
    fn(arg);
    return {};
  }
  if (activation.kind == vm::TrapKind::kExit) {
    Error e{ErrorCode::kExit, "exit status " + std::to_string(activation.exit_status),
            activation.exit_status};
    return fail(std::move(e));
  }
  std::string message = vm::trapMessage(activation.kind);
  if (!activation.message.empty()) message += ": " + activation.message;
  // The guest's code is still loaded: its instance is held by whoever called into it.
  message += formatBacktrace(std::span<const uintptr_t>(activation.pcs, activation.num_pcs),
                             activation.first_is_fault, activation.more_frames);
  return fail(Error{ErrorCode::kTrap, std::move(message), static_cast<int32_t>(activation.kind)});
}

// noinline with a frame of its own (this file keeps frame pointers, see CMakeLists.txt): the
// walk starts from here and reaches the guest through the helper that called it.
__attribute__((noinline)) void raiseTrap(vm::TrapKind kind) {
  Activation* a = t_current;
  if (!a) std::abort();  // a trap outside any guest call is an engine bug
  a->kind = kind;
  if (kind != vm::TrapKind::kExit) {
    auto fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    walkGuestFrames(*a, fp, fp);
  }
  longjmp(a->buf, 1);
}

void setPendingTrapMessage(std::string message) {
  if (t_current) t_current->message = std::move(message);
}

void setPendingExitStatus(int32_t status) {
  if (t_current) t_current->exit_status = status;
}

bool insideGuest() { return t_current != nullptr; }

Error trapError(vm::TrapKind kind) {
  return Error{ErrorCode::kTrap, vm::trapMessage(kind), static_cast<int32_t>(kind)};
}

void registerGuardedRegion(const void* start, size_t length) {
  std::lock_guard lock(g_region_mutex);
  size_t n = g_region_high.load();
  for (size_t i = 0; i < n; ++i) {
    if (g_regions[i].start.load() == 0) {
      g_regions[i].end.store(reinterpret_cast<uintptr_t>(start) + length);
      g_regions[i].start.store(reinterpret_cast<uintptr_t>(start));
      return;
    }
  }
  if (n == kMaxRegions) std::abort();  // the pool caps slots well below this
  g_regions[n].end.store(reinterpret_cast<uintptr_t>(start) + length);
  g_regions[n].start.store(reinterpret_cast<uintptr_t>(start));
  g_region_high.store(n + 1, std::memory_order_release);
}

void unregisterGuardedRegion(const void* start) {
  std::lock_guard lock(g_region_mutex);
  size_t n = g_region_high.load();
  for (size_t i = 0; i < n; ++i) {
    if (g_regions[i].start.load() == reinterpret_cast<uintptr_t>(start)) {
      g_regions[i].start.store(0);
      return;
    }
  }
}

}  // namespace tern::instance
