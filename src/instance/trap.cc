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
};

// Per-thread state, touched only by callGuarded's RAII guard and the trap paths below.
thread_local Activation* t_current = nullptr;
thread_local uintptr_t t_stack_limit = 0;
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

void onFault(int sig, siginfo_t* info, void* uctx) {
  Activation* a = t_current;
  if (a && inGuardedRegion(reinterpret_cast<uintptr_t>(info->si_addr))) {
    a->kind = vm::TrapKind::kMemoryOutOfBounds;
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
  return fail(Error{ErrorCode::kTrap, std::move(message), static_cast<int32_t>(activation.kind)});
}

void raiseTrap(vm::TrapKind kind) {
  Activation* a = t_current;
  if (!a) std::abort();  // a trap outside any guest call is an engine bug
  a->kind = kind;
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
