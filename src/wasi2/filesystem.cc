// wasi:filesystem 0.2 host: descriptors (streams, read/write at offsets, stat, flags, sync,
// read-directory), preopens.get-directories and filesystem-error-code. Path-based methods are in
// wasi_filesystem_paths.cc; both keep preview 1's capability model (wasi/sandbox_path.h).
#include "wasi2/filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "wasi2/wasi2.h"

namespace tern::wasi2::fs {

using wasi::Errno;

uint32_t errorCode(Errno e) {
  // Preview 1 errno -> wasi:filesystem error-code case (WIT order); anything else is io.
  // clang-format off
  static constexpr std::pair<Errno, uint32_t> kMap[] = {
      {Errno::kAcces, 0},        {Errno::kAgain, 1},            {Errno::kAlready, 2},
      {Errno::kBadf, kBadDescriptor}, {Errno::kBusy, 4},        {Errno::kDeadlk, 5},
      {Errno::kDquot, 6},        {Errno::kExist, 7},            {Errno::kFbig, 8},
      {Errno::kIlseq, 9},        {Errno::kInprogress, 10},      {Errno::kIntr, 11},
      {Errno::kInval, kInvalid}, {Errno::kIsdir, kIsDirectory}, {Errno::kLoop, 15},
      {Errno::kMlink, 16},       {Errno::kMsgsize, 17},         {Errno::kNametoolong, 18},
      {Errno::kNodev, 19},       {Errno::kNoent, 20},           {Errno::kNolck, 21},
      {Errno::kNomem, 22},       {Errno::kNospc, 23},           {Errno::kNotdir, kNotDirectory},
      {Errno::kNotempty, 25},    {Errno::kNotrecoverable, 26},  {Errno::kNotsup, 27},
      {Errno::kNosys, 27},       {Errno::kNotty, 28},           {Errno::kNxio, 29},
      {Errno::kOverflow, 30},    {Errno::kPerm, kNotPermitted}, {Errno::kNotcapable, kNotPermitted},
      {Errno::kPipe, 32},        {Errno::kRofs, 33},            {Errno::kSpipe, 34},
      {Errno::kTxtbsy, 35},      {Errno::kXdev, 36}};
  // clang-format on
  for (auto [from, to] : kMap) {
    if (from == e) return to;
  }
  return 13;  // io
}

Val errFromErrno() { return errVal(wasi::fromHostErrno(errno)); }

uint32_t descriptorType(mode_t mode) {
  if (S_ISBLK(mode)) return 1;
  if (S_ISCHR(mode)) return 2;
  if (S_ISDIR(mode)) return 3;
  if (S_ISFIFO(mode)) return 4;
  if (S_ISLNK(mode)) return 5;
  if (S_ISREG(mode)) return 6;
  if (S_ISSOCK(mode)) return 7;
  return 0;
}

namespace {

Val datetimeVal(const struct timespec& ts) {
  return Val::some(Val::record(
      {Val::u64(static_cast<uint64_t>(ts.tv_sec)), Val::u32(static_cast<uint32_t>(ts.tv_nsec))}));
}

}  // namespace

Val statVal(const struct stat& st) {
  return Val::record({Val::enumCase(descriptorType(st.st_mode)), Val::u64(st.st_nlink),
                      Val::u64(static_cast<uint64_t>(st.st_size)), datetimeVal(st.st_atim),
                      datetimeVal(st.st_mtim), datetimeVal(st.st_ctim)});
}

void defineOp(ComponentLinker& linker, const FsTypes& t, std::string_view name, FsOp op) {
  linker.defineFunc(
      kTypes, name,
      [t, op](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(results[0], op(call, t, args));
        return {};
      });
}

namespace {

StreamStatus streamFailure(int host_errno) {
  StreamStatus s = StreamStatus::failed(std::strerror(host_errno));
  s.fs_code = static_cast<int32_t>(errorCode(wasi::fromHostErrno(host_errno)));
  return s;
}

// read-via-stream: preads from a moving offset; files are always ready.
class FileInputStream final : public InputStream {
 public:
  FileInputStream(std::shared_ptr<HostFd> fd, uint64_t offset)
      : fd_(std::move(fd)), offset_(offset) {}
  StreamStatus read(uint64_t len, bool, std::string& out) override {
    std::string buf(std::min(len, kMaxStreamChunk), '\0');
    ssize_t n;
    do n = pread(fd_->get(), buf.data(), buf.size(), static_cast<off_t>(offset_));
    while (n < 0 && errno == EINTR);
    if (n < 0) return streamFailure(errno);
    if (n == 0 && !buf.empty()) return StreamStatus::closed();
    out.append(buf.data(), static_cast<size_t>(n));
    offset_ += static_cast<uint64_t>(n);
    return StreamStatus::ok();
  }
  std::shared_ptr<PollSource> readiness() override { return readySource(); }

 private:
  std::shared_ptr<HostFd> fd_;
  uint64_t offset_;
};

// write-via-stream / append-via-stream: pwrite at a moving offset, or at the current end.
class FileOutputStream final : public OutputStream {
 public:
  FileOutputStream(std::shared_ptr<HostFd> fd, uint64_t offset, bool append)
      : fd_(std::move(fd)), offset_(offset), append_(append) {}
  StreamStatus checkWrite(uint64_t& permitted) override {
    permitted = kMaxStreamChunk;
    return StreamStatus::ok();
  }
  StreamStatus write(std::string_view data) override {
    if (append_) {
      struct stat st;
      if (fstat(fd_->get(), &st) != 0) return streamFailure(errno);
      offset_ = static_cast<uint64_t>(st.st_size);
    }
    while (!data.empty()) {
      ssize_t n = pwrite(fd_->get(), data.data(), data.size(), static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return streamFailure(errno);
      data.remove_prefix(static_cast<size_t>(n));
      offset_ += static_cast<uint64_t>(n);
    }
    return StreamStatus::ok();
  }
  StreamStatus flush(bool) override { return StreamStatus::ok(); }
  std::shared_ptr<PollSource> readiness() override { return readySource(); }

 private:
  std::shared_ptr<HostFd> fd_;
  uint64_t offset_;
  bool append_;
};

// Offsets and sizes beyond off_t are invalid (the WIT's filesize is u64).
bool validOffset(uint64_t v) { return v <= static_cast<uint64_t>(LLONG_MAX); }

// Checks that `d` is a file that may be read (kFlagRead) or written (kFlagWrite).
std::optional<Val> fileAccess(const Descriptor& d, uint32_t flag) {
  if (d.directory) return errVal(kIsDirectory);
  if (!(d.flags & flag)) return errVal(kBadDescriptor);
  return std::nullopt;
}

Result<Val> readViaStream(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  if (auto e = fileAccess(*d, kFlagRead)) return *e;
  if (!validOffset(args[1].u)) return errVal(kInvalid);
  P2_TRY(Val s, ownInputStream(call, t.io, std::make_unique<FileInputStream>(d->fd, args[1].u)));
  return Val::ok(std::move(s));
}

Result<Val> writeStream(HostCall& call, const FsTypes& t, const Val& self, uint64_t offset,
                        bool append) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, self));
  if (auto e = fileAccess(*d, kFlagWrite)) return *e;
  if (!validOffset(offset)) return errVal(kInvalid);
  P2_TRY(Val s,
         ownOutputStream(call, t.io, std::make_unique<FileOutputStream>(d->fd, offset, append)));
  return Val::ok(std::move(s));
}

Result<Val> writeViaStream(HostCall& call, const FsTypes& t, std::span<Val> args) {
  return writeStream(call, t, args[0], args[1].u, false);
}

Result<Val> appendViaStream(HostCall& call, const FsTypes& t, std::span<Val> args) {
  return writeStream(call, t, args[0], 0, true);
}

Result<Val> readAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  if (auto e = fileAccess(*d, kFlagRead)) return *e;
  uint64_t len = std::min(args[1].u, kMaxStreamChunk), offset = args[2].u;
  if (!validOffset(offset)) return errVal(kInvalid);
  std::string buf(len, '\0');
  ssize_t n;
  do n = pread(d->host(), buf.data(), buf.size(), static_cast<off_t>(offset));
  while (n < 0 && errno == EINTR);
  if (n < 0) return errFromErrno();
  buf.resize(static_cast<size_t>(n));
  struct stat st;
  bool eof = (n == 0 && len > 0) ||
             (fstat(d->host(), &st) == 0 && S_ISREG(st.st_mode) &&
              offset + static_cast<uint64_t>(n) >= static_cast<uint64_t>(st.st_size));
  return Val::ok(Val::tuple({Val::byteList(std::move(buf)), Val::boolean(eof)}));
}

Result<Val> writeAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  if (auto e = fileAccess(*d, kFlagWrite)) return *e;
  uint64_t offset = args[2].u;
  if (!validOffset(offset)) return errVal(kInvalid);
  const std::string& data = args[1].bytes;
  ssize_t n;
  do n = pwrite(d->host(), data.data(), data.size(), static_cast<off_t>(offset));
  while (n < 0 && errno == EINTR);
  if (n < 0) return errFromErrno();
  return Val::ok(Val::u64(static_cast<uint64_t>(n)));
}

Result<Val> advise(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  if (d->directory) return errVal(kBadDescriptor);
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  if (!validOffset(args[1].u) || !validOffset(args[2].u) || args[3].disc >= 6)
    return errVal(kInvalid);
  int rc = posix_fadvise(d->host(), static_cast<off_t>(args[1].u), static_cast<off_t>(args[2].u),
                         kAdvice[args[3].disc]);
  if (rc != 0) return errVal(wasi::fromHostErrno(rc));
  return Val::ok();
}

template <int (*Sync)(int)>
Result<Val> syncOp(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  if (Sync(d->host()) != 0) return errFromErrno();
  return Val::ok();
}

Result<Val> getFlags(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  Val flags;
  flags.kind = TypeKind::kFlags;
  flags.flags = {d->flags};
  return Val::ok(std::move(flags));
}

Result<Val> getType(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  struct stat st;
  if (fstat(d->host(), &st) != 0) return errFromErrno();
  return Val::ok(Val::enumCase(descriptorType(st.st_mode)));
}

Result<Val> statOp(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  struct stat st;
  if (fstat(d->host(), &st) != 0) return errFromErrno();
  return Val::ok(statVal(st));
}

Result<Val> setSize(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  if (auto e = fileAccess(*d, kFlagWrite)) return *e;
  if (!validOffset(args[1].u)) return errVal(kInvalid);
  if (ftruncate(d->host(), static_cast<off_t>(args[1].u)) != 0) return errFromErrno();
  return Val::ok();
}

Result<Val> isSameObject(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * a, descriptorArg(call, t, args[0]));
  P2_TRY(Descriptor * b, descriptorArg(call, t, args[1]));
  struct stat sa, sb;
  bool same = fstat(a->host(), &sa) == 0 && fstat(b->host(), &sb) == 0 && sa.st_dev == sb.st_dev &&
              sa.st_ino == sb.st_ino;
  return Val::boolean(same);
}

// A snapshot of the directory's entries ("." and ".." left out, as the WIT says), at most
// kMaxDirEntries.
Result<Val> readDirectory(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  if (!d->directory) return errVal(kNotDirectory);
  int fd = openat(d->host(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errFromErrno();
  DIR* dir = fdopendir(fd);
  if (!dir) {
    Val e = errFromErrno();
    close(fd);
    return e;
  }
  auto stream = std::make_unique<DirEntryStream>();
  while (struct dirent* e = readdir(dir)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (stream->entries.size() >= limits::kMaxDirEntries) break;
    struct stat st;
    uint32_t type = 0;
    if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
      type = descriptorType(st.st_mode);
    stream->entries.emplace_back(type, std::string(name));
  }
  closedir(dir);
  P2_TRY(uint32_t rep, call.resources().add(t.dir_stream, std::move(stream)));
  return Val::ok(Val::own(rep));
}

void defineDirStream(ComponentLinker& linker, const FsTypes& t) {
  linker.defineFunc(
      kTypes, "[method]directory-entry-stream.read-directory-entry",
      [t](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(auto* s, self<DirEntryStream>(call, t.dir_stream, args[0]));
        if (s->pos >= s->entries.size()) {
          results[0] = Val::ok(Val::none());
          return {};
        }
        auto& [type, name] = s->entries[s->pos++];
        results[0] =
            Val::ok(Val::some(Val::record({Val::enumCase(type), Val::string(std::move(name))})));
        return {};
      });
}

// Each call hands out new descriptors (duplicated fds) for the pre-opened directories.
Result<void> getDirectories(HostCall& call, const FsTypes& t, std::span<Val> results) {
  P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
  TERN_TRY(ctx->openPreopens());
  std::vector<Val> items;
  for (size_t i = 0; i < ctx->preopens.size(); ++i) {
    if (ctx->open_fds >= limits::kMaxFds) {
      return hostTrap("wasi: get-directories with ", std::to_string(ctx->open_fds),
                      " descriptors open (limit ", std::to_string(limits::kMaxFds), ")");
    }
    int fd = fcntl(ctx->preopen_fds[i].get(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return fail(ErrorCode::kIo, "wasi: cannot duplicate a pre-opened directory");
    auto d = std::make_unique<Descriptor>();
    d->fd = std::make_shared<HostFd>(fd, ctx->open_fds);
    d->directory = true;
    d->read_only = ctx->preopens[i].read_only;
    d->flags = kFlagRead | (d->read_only ? uint32_t{0} : uint32_t{kFlagMutateDirectory});
    P2_TRY(uint32_t rep, call.resources().add(t.descriptor, std::move(d)));
    items.push_back(Val::tuple({Val::own(rep), Val::string(ctx->preopens[i].guest_path)}));
  }
  results[0] = Val::list(std::move(items));
  return {};
}

void defineMisc(ComponentLinker& linker, const FsTypes& t) {
  linker.defineFunc(kPreopens, "get-directories",
                    [t](HostCall& call, std::span<Val>, std::span<Val> results) {
                      return getDirectories(call, t, results);
                    });
  linker.defineFunc(
      kTypes, "filesystem-error-code",
      [t](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(auto* e, self<IoError>(call, t.io.error, args[0]));
        results[0] = e->fs_code >= 0 ? Val::some(Val::enumCase(static_cast<uint32_t>(e->fs_code)))
                                     : Val::none();
        return {};
      });
  linker.defineFunc(
      kTypes, "[method]descriptor.is-same-object",
      [t](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(results[0], isSameObject(call, t, args));
        return {};
      });
}

}  // namespace
}  // namespace tern::wasi2::fs

namespace tern::wasi2 {

void defineWasiFilesystem(ComponentLinker& linker, const IoTypes& io) {
  using namespace fs;
  FsTypes t;
  t.io = io;
  t.descriptor = linker.defineResource(kTypes, "descriptor");
  t.dir_stream = linker.defineResource(kTypes, "directory-entry-stream");
  defineOp(linker, t, "[method]descriptor.read-via-stream", readViaStream);
  defineOp(linker, t, "[method]descriptor.write-via-stream", writeViaStream);
  defineOp(linker, t, "[method]descriptor.append-via-stream", appendViaStream);
  defineOp(linker, t, "[method]descriptor.advise", advise);
  defineOp(linker, t, "[method]descriptor.sync-data", syncOp<fdatasync>);
  defineOp(linker, t, "[method]descriptor.sync", syncOp<fsync>);
  defineOp(linker, t, "[method]descriptor.get-flags", getFlags);
  defineOp(linker, t, "[method]descriptor.get-type", getType);
  defineOp(linker, t, "[method]descriptor.set-size", setSize);
  defineOp(linker, t, "[method]descriptor.read", readAt);
  defineOp(linker, t, "[method]descriptor.write", writeAt);
  defineOp(linker, t, "[method]descriptor.read-directory", readDirectory);
  defineOp(linker, t, "[method]descriptor.stat", statOp);
  defineDirStream(linker, t);
  defineMisc(linker, t);
  definePathOps(linker, t);
}

}  // namespace tern::wasi2
