// defineWasi: binds every wasi_snapshot_preview1 import to a Syscalls method.
#include "common/observation.h"
#include "instance/request_context.h"
#include "instance/host_func.h"
#include "wasi/syscalls.h"

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

// Where a bound function finds its Syscalls: a fixed context, or the calling store's request
// context (one shared Linker serving many per-request stores).
struct HostRef {
  Syscalls* fixed = nullptr;
  Syscalls* operator()(Caller& caller) const {
    if (fixed) return fixed;
    instance::RequestContext* request = caller.store().context();
    return request && request->wasi ? &request->wasi->syscalls() : nullptr;
  }
};

// The observation of the request the calling store serves, or null.
obs::RequestObservation* observationOf(Caller& caller) {
  instance::RequestContext* request = caller.store().context();
  return request ? request->observation : nullptr;
}

// Every WASI call is counted (and traced, when asked for) under one interface name.
uint32_t wasiInterfaceId() {
  static const uint32_t id = obs::interfaceId(abi::kModuleName);
  return id;
}

Result<int32_t> noContext() {
  return fail(ErrorCode::kInvalidArgument, "WASI called in a store without a WasiContext");
}

// A method that reads or writes guest memory.
template <class... A>
void bindMem(Linker& linker, const char* name, HostRef ref,
             Result<Errno> (Syscalls::*fn)(const GuestMemory&, A...)) {
  instance::defineFunc(linker, abi::kModuleName, name,
                       [ref, fn, name](Caller& caller, A... args) -> Result<int32_t> {
                         obs::HostCallScope scope(observationOf(caller), wasiInterfaceId(), name);
                         Syscalls* host = ref(caller);
                         if (!host) return noContext();
                         auto r = (host->*fn)(memoryOf(caller), args...);
                         if (!r) return fail(std::move(r).error());
                         return static_cast<int32_t>(*r);
                       });
}

// A method that touches no guest memory.
template <class... A>
void bindPlain(Linker& linker, const char* name, HostRef ref,
               Result<Errno> (Syscalls::*fn)(A...)) {
  instance::defineFunc(linker, abi::kModuleName, name,
                       [ref, fn, name](Caller& caller, A... args) -> Result<int32_t> {
                         obs::HostCallScope scope(observationOf(caller), wasiInterfaceId(), name);
                         Syscalls* host = ref(caller);
                         if (!host) return noContext();
                         auto r = (host->*fn)(args...);
                         if (!r) return fail(std::move(r).error());
                         return static_cast<int32_t>(*r);
                       });
}

void bindAll(instance::Linker& linker, HostRef h);

}  // namespace

void defineWasi(instance::Linker& linker, WasiContext& ctx) { bindAll(linker, HostRef{&ctx.syscalls()}); }

void defineWasi(instance::Linker& linker) { bindAll(linker, HostRef{}); }

namespace {

void bindAll(instance::Linker& linker, HostRef h) {
  bindMem(linker, "args_get", h, &Syscalls::argsGet);
  bindMem(linker, "args_sizes_get", h, &Syscalls::argsSizesGet);
  bindMem(linker, "environ_get", h, &Syscalls::environGet);
  bindMem(linker, "environ_sizes_get", h, &Syscalls::environSizesGet);
  bindMem(linker, "clock_res_get", h, &Syscalls::clockResGet);
  bindMem(linker, "clock_time_get", h, &Syscalls::clockTimeGet);
  bindPlain(linker, "fd_advise", h, &Syscalls::fdAdvise);
  bindPlain(linker, "fd_allocate", h, &Syscalls::fdAllocate);
  bindPlain(linker, "fd_close", h, &Syscalls::fdClose);
  bindPlain(linker, "fd_datasync", h, &Syscalls::fdDatasync);
  bindMem(linker, "fd_fdstat_get", h, &Syscalls::fdFdstatGet);
  bindPlain(linker, "fd_fdstat_set_flags", h, &Syscalls::fdFdstatSetFlags);
  bindPlain(linker, "fd_fdstat_set_rights", h, &Syscalls::fdFdstatSetRights);
  bindMem(linker, "fd_filestat_get", h, &Syscalls::fdFilestatGet);
  bindPlain(linker, "fd_filestat_set_size", h, &Syscalls::fdFilestatSetSize);
  bindPlain(linker, "fd_filestat_set_times", h, &Syscalls::fdFilestatSetTimes);
  bindMem(linker, "fd_pread", h, &Syscalls::fdPread);
  bindMem(linker, "fd_prestat_get", h, &Syscalls::fdPrestatGet);
  bindMem(linker, "fd_prestat_dir_name", h, &Syscalls::fdPrestatDirName);
  bindMem(linker, "fd_pwrite", h, &Syscalls::fdPwrite);
  bindMem(linker, "fd_read", h, &Syscalls::fdRead);
  bindMem(linker, "fd_readdir", h, &Syscalls::fdReaddir);
  bindPlain(linker, "fd_renumber", h, &Syscalls::fdRenumber);
  bindMem(linker, "fd_seek", h, &Syscalls::fdSeek);
  bindPlain(linker, "fd_sync", h, &Syscalls::fdSync);
  bindMem(linker, "fd_tell", h, &Syscalls::fdTell);
  bindMem(linker, "fd_write", h, &Syscalls::fdWrite);
  bindMem(linker, "path_create_directory", h, &Syscalls::pathCreateDirectory);
  bindMem(linker, "path_filestat_get", h, &Syscalls::pathFilestatGet);
  bindMem(linker, "path_filestat_set_times", h, &Syscalls::pathFilestatSetTimes);
  bindMem(linker, "path_link", h, &Syscalls::pathLink);
  bindMem(linker, "path_open", h, &Syscalls::pathOpen);
  bindMem(linker, "path_readlink", h, &Syscalls::pathReadlink);
  bindMem(linker, "path_remove_directory", h, &Syscalls::pathRemoveDirectory);
  bindMem(linker, "path_rename", h, &Syscalls::pathRename);
  bindMem(linker, "path_symlink", h, &Syscalls::pathSymlink);
  bindMem(linker, "path_unlink_file", h, &Syscalls::pathUnlinkFile);
  // poll_oneoff also gets the request's deadline: its sleeps stop there.
  instance::defineFunc(
      linker, abi::kModuleName, "poll_oneoff",
      [h](Caller& caller, uint32_t in, uint32_t out, uint32_t n, uint32_t nevents) -> Result<int32_t> {
        obs::HostCallScope scope(observationOf(caller), wasiInterfaceId(), "poll_oneoff");
        Syscalls* host = h(caller);
        if (!host) return noContext();
        instance::RequestContext* request = caller.store().context();
        auto r = host->pollOneoff(memoryOf(caller), in, out, n, nevents,
                                  request ? request->deadline : std::nullopt);
        if (!r) return fail(std::move(r).error());
        return static_cast<int32_t>(*r);
      });
  instance::defineFunc(linker, abi::kModuleName, "proc_exit",
                       [h](Caller& caller, uint32_t code) -> Result<void> {
                         Syscalls* host = h(caller);
                         if (!host) return fail(noContext().error());
                         return host->procExit(code);
                       });
  bindPlain(linker, "proc_raise", h, &Syscalls::procRaise);
  bindPlain(linker, "sched_yield", h, &Syscalls::schedYield);
  bindMem(linker, "random_get", h, &Syscalls::randomGet);
  bindMem(linker, "sock_accept", h, &Syscalls::sockAccept);
  bindMem(linker, "sock_recv", h, &Syscalls::sockRecv);
  bindMem(linker, "sock_send", h, &Syscalls::sockSend);
  bindPlain(linker, "sock_shutdown", h, &Syscalls::sockShutdown);
}

}  // namespace

}  // namespace tern::wasi
