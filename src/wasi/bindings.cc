// defineWasi: binds every wasi_snapshot_preview1 import to a WasiHost method.
#include "common/host_call_hook.h"
#include "instance/host_func.h"
#include "wasi/host.h"

namespace tern::wasi {
namespace {

using instance::Caller;
using instance::Linker;

// The caller's exported "memory" (WASI's ABI names it so), or an absent memory that traps on use.
GuestMemory memoryOf(Caller& caller) {
  instance::Memory* mem = caller.memory();
  if (!mem) return GuestMemory();
  auto all = mem->span(0, mem->sizeBytes());
  return all ? GuestMemory(*all) : GuestMemory();
}

// Where a bound function finds its WasiHost: a fixed context, or the calling store's user data
// (one shared Linker serving many per-request stores).
struct HostRef {
  WasiHost* fixed = nullptr;
  WasiHost* operator()(Caller& caller) const {
    if (fixed) return fixed;
    auto* ctx = static_cast<WasiContext*>(caller.store().userData());
    return ctx ? &ctx->host() : nullptr;
  }
};

// Every WASI call is counted (and traced, when asked for) under one interface name.
uint32_t wasiInterfaceId() {
  static const uint32_t id = hooks::hostInterfaceId(abi::kModuleName);
  return id;
}

Result<int32_t> noContext() {
  return fail(ErrorCode::kInvalidArgument, "WASI called in a store without a WasiContext");
}

// A method that reads or writes guest memory.
template <class... A>
void bindMem(Linker& linker, const char* name, HostRef ref,
             Result<Errno> (WasiHost::*fn)(const GuestMemory&, A...)) {
  instance::defineFunc(linker, abi::kModuleName, name,
                       [ref, fn, name](Caller& caller, A... args) -> Result<int32_t> {
                         hooks::HostCallScope scope(wasiInterfaceId(), name);
                         WasiHost* host = ref(caller);
                         if (!host) return noContext();
                         auto r = (host->*fn)(memoryOf(caller), args...);
                         if (!r) return fail(std::move(r).error());
                         return static_cast<int32_t>(*r);
                       });
}

// A method that touches no guest memory.
template <class... A>
void bindPlain(Linker& linker, const char* name, HostRef ref,
               Result<Errno> (WasiHost::*fn)(A...)) {
  instance::defineFunc(linker, abi::kModuleName, name,
                       [ref, fn, name](Caller& caller, A... args) -> Result<int32_t> {
                         hooks::HostCallScope scope(wasiInterfaceId(), name);
                         WasiHost* host = ref(caller);
                         if (!host) return noContext();
                         auto r = (host->*fn)(args...);
                         if (!r) return fail(std::move(r).error());
                         return static_cast<int32_t>(*r);
                       });
}

void bindAll(instance::Linker& linker, HostRef h);

}  // namespace

void defineWasi(instance::Linker& linker, WasiContext& ctx) { bindAll(linker, HostRef{&ctx.host()}); }

void defineWasi(instance::Linker& linker) { bindAll(linker, HostRef{}); }

namespace {

void bindAll(instance::Linker& linker, HostRef h) {
  bindMem(linker, "args_get", h, &WasiHost::argsGet);
  bindMem(linker, "args_sizes_get", h, &WasiHost::argsSizesGet);
  bindMem(linker, "environ_get", h, &WasiHost::environGet);
  bindMem(linker, "environ_sizes_get", h, &WasiHost::environSizesGet);
  bindMem(linker, "clock_res_get", h, &WasiHost::clockResGet);
  bindMem(linker, "clock_time_get", h, &WasiHost::clockTimeGet);
  bindPlain(linker, "fd_advise", h, &WasiHost::fdAdvise);
  bindPlain(linker, "fd_allocate", h, &WasiHost::fdAllocate);
  bindPlain(linker, "fd_close", h, &WasiHost::fdClose);
  bindPlain(linker, "fd_datasync", h, &WasiHost::fdDatasync);
  bindMem(linker, "fd_fdstat_get", h, &WasiHost::fdFdstatGet);
  bindPlain(linker, "fd_fdstat_set_flags", h, &WasiHost::fdFdstatSetFlags);
  bindPlain(linker, "fd_fdstat_set_rights", h, &WasiHost::fdFdstatSetRights);
  bindMem(linker, "fd_filestat_get", h, &WasiHost::fdFilestatGet);
  bindPlain(linker, "fd_filestat_set_size", h, &WasiHost::fdFilestatSetSize);
  bindPlain(linker, "fd_filestat_set_times", h, &WasiHost::fdFilestatSetTimes);
  bindMem(linker, "fd_pread", h, &WasiHost::fdPread);
  bindMem(linker, "fd_prestat_get", h, &WasiHost::fdPrestatGet);
  bindMem(linker, "fd_prestat_dir_name", h, &WasiHost::fdPrestatDirName);
  bindMem(linker, "fd_pwrite", h, &WasiHost::fdPwrite);
  bindMem(linker, "fd_read", h, &WasiHost::fdRead);
  bindMem(linker, "fd_readdir", h, &WasiHost::fdReaddir);
  bindPlain(linker, "fd_renumber", h, &WasiHost::fdRenumber);
  bindMem(linker, "fd_seek", h, &WasiHost::fdSeek);
  bindPlain(linker, "fd_sync", h, &WasiHost::fdSync);
  bindMem(linker, "fd_tell", h, &WasiHost::fdTell);
  bindMem(linker, "fd_write", h, &WasiHost::fdWrite);
  bindMem(linker, "path_create_directory", h, &WasiHost::pathCreateDirectory);
  bindMem(linker, "path_filestat_get", h, &WasiHost::pathFilestatGet);
  bindMem(linker, "path_filestat_set_times", h, &WasiHost::pathFilestatSetTimes);
  bindMem(linker, "path_link", h, &WasiHost::pathLink);
  bindMem(linker, "path_open", h, &WasiHost::pathOpen);
  bindMem(linker, "path_readlink", h, &WasiHost::pathReadlink);
  bindMem(linker, "path_remove_directory", h, &WasiHost::pathRemoveDirectory);
  bindMem(linker, "path_rename", h, &WasiHost::pathRename);
  bindMem(linker, "path_symlink", h, &WasiHost::pathSymlink);
  bindMem(linker, "path_unlink_file", h, &WasiHost::pathUnlinkFile);
  bindMem(linker, "poll_oneoff", h, &WasiHost::pollOneoff);
  instance::defineFunc(linker, abi::kModuleName, "proc_exit",
                       [h](Caller& caller, uint32_t code) -> Result<void> {
                         WasiHost* host = h(caller);
                         if (!host) return fail(noContext().error());
                         return host->procExit(code);
                       });
  bindPlain(linker, "proc_raise", h, &WasiHost::procRaise);
  bindPlain(linker, "sched_yield", h, &WasiHost::schedYield);
  bindMem(linker, "random_get", h, &WasiHost::randomGet);
  bindMem(linker, "sock_accept", h, &WasiHost::sockAccept);
  bindMem(linker, "sock_recv", h, &WasiHost::sockRecv);
  bindMem(linker, "sock_send", h, &WasiHost::sockSend);
  bindPlain(linker, "sock_shutdown", h, &WasiHost::sockShutdown);
}

}  // namespace

}  // namespace tern::wasi
