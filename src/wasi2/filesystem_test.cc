// Unit tests of the wasi:filesystem 0.2 host: descriptors, streams, directories, error codes,
// and the sandbox (escapes and read-only pre-opens refused), calling host functions directly.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "wasi2/wasi2_test_util.h"

namespace tern::wasi2::testing {
namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kTypes = "wasi:filesystem/types@0.2.12";
// error-code cases (WIT order)
constexpr uint32_t kExist = 7, kIsDirectory = 14, kNoEntry = 20, kNotDirectory = 24, kNotEmpty = 25,
                   kNotPermitted = 31, kBadDescriptor = 3, kFileTooLarge = 8;
constexpr uint32_t kRead = 1, kWrite = 2, kMutate = 32;
constexpr uint32_t kCreate = 1, kDirectoryFlag = 2, kExclusive = 4, kTruncate = 8;

Val flags(uint32_t bits) {
  Val v;
  v.kind = TypeKind::kFlags;
  v.flags = {bits};
  return v;
}

class WasiFsTest : public WasiP2Fixture {
 protected:
  void SetUp() override {
    WasiP2Fixture::SetUp();
    root_ = stdfs::temp_directory_path() /
            ("tern-wasi-fs-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::remove_all(root_);
    stdfs::create_directories(root_ / "data" / "sub");
    stdfs::create_directories(root_ / "ro");
    std::ofstream(root_ / "data" / "a.txt") << "hello file";
    std::ofstream(root_ / "ro" / "r.txt") << "read only";
    std::ofstream(root_ / "secret.txt") << "outside";
    ctx_.preopens.push_back({(root_ / "data").string(), "/data", false});
    ctx_.preopens.push_back({(root_ / "ro").string(), "/ro", true});
  }
  void TearDown() override {
    session_.reset();
    stdfs::remove_all(root_);
  }
  // The pre-opened descriptors, by guest path.
  uint32_t preopen(std::string_view guest) {
    Val dirs = ok("wasi:filesystem/preopens@0.2.12", "get-directories", {});
    for (const Val& t : dirs.items) {
      if (t.items[1].bytes == guest) return t.items[0].rep();
    }
    ADD_FAILURE() << "no pre-open " << guest;
    return 0;
  }
  Val method(std::string_view name, std::vector<Val> args) {
    return ok(kTypes, "[method]descriptor." + std::string(name), std::move(args));
  }
  Val openAt(uint32_t dir, std::string path, uint32_t oflags, uint32_t dflags,
             uint32_t pflags = 1) {
    return method("open-at", {Val::borrow(dir), flags(pflags), Val::string(path), flags(oflags),
                              flags(dflags)});
  }
  static uint32_t errCode(const Val& r) {
    EXPECT_FALSE(r.isOk());
    return r.isOk() ? UINT32_MAX : r.payload().disc;
  }
  std::string readAll(uint32_t stream) {
    std::string out;
    for (;;) {
      Val r =
          ok(kStreams, "[method]input-stream.blocking-read", {Val::borrow(stream), Val::u64(3)});
      if (!r.isOk()) {
        EXPECT_EQ(r.payload().disc, 1u);  // closed at the end of the file
        return out;
      }
      out += r.payload().bytes;
    }
  }
  stdfs::path root_;
};

TEST_F(WasiFsTest, PreopensAreListedWithTheirGuestPaths) {
  Val dirs = ok("wasi:filesystem/preopens@0.2.12", "get-directories", {});
  ASSERT_EQ(dirs.items.size(), 2u);
  EXPECT_EQ(dirs.items[0].items[1].bytes, "/data");
  EXPECT_EQ(dirs.items[1].items[1].bytes, "/ro");
  Val type = method("get-type", {Val::borrow(dirs.items[0].items[0].rep())});
  EXPECT_EQ(type.payload().disc, 3u);  // directory
  Val f = method("get-flags", {Val::borrow(dirs.items[0].items[0].rep())});
  EXPECT_EQ(f.payload().flags[0], kRead | kMutate);
  Val rf = method("get-flags", {Val::borrow(dirs.items[1].items[0].rep())});
  EXPECT_EQ(rf.payload().flags[0], kRead);
}

TEST_F(WasiFsTest, MissingPreopenDirectoryTraps) {
  ctx_.preopens.push_back({(root_ / "nope").string(), "/nope", false});
  auto r = call("wasi:filesystem/preopens@0.2.12", "get-directories", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("nope"), std::string::npos);
}

TEST_F(WasiFsTest, ReadViaStreamAndReadAtOffset) {
  Val f = openAt(preopen("/data"), "a.txt", 0, kRead);
  ASSERT_TRUE(f.isOk());
  uint32_t fd = f.payload().rep();
  Val s = method("read-via-stream", {Val::borrow(fd), Val::u64(6)});
  ASSERT_TRUE(s.isOk());
  EXPECT_EQ(readAll(s.payload().rep()), "file");
  Val r = method("read", {Val::borrow(fd), Val::u64(5), Val::u64(0)});
  EXPECT_EQ(r.payload().items[0].bytes, "hello");
  EXPECT_FALSE(r.payload().items[1].b);
  Val end = method("read", {Val::borrow(fd), Val::u64(100), Val::u64(6)});
  EXPECT_EQ(end.payload().items[0].bytes, "file");
  EXPECT_TRUE(end.payload().items[1].b);
  Val st = method("stat", {Val::borrow(fd)});
  EXPECT_EQ(st.payload().items[0].disc, 6u);    // regular-file
  EXPECT_EQ(st.payload().items[2].u, 10u);      // size
  EXPECT_TRUE(st.payload().items[4].isSome());  // data-modification-timestamp
  // Writing through a read-only descriptor is bad-descriptor.
  EXPECT_EQ(errCode(method("write", {Val::borrow(fd), Val::byteList("x"), Val::u64(0)})),
            kBadDescriptor);
  EXPECT_EQ(errCode(method("write-via-stream", {Val::borrow(fd), Val::u64(0)})), kBadDescriptor);
}

TEST_F(WasiFsTest, StreamKeepsTheFileAfterTheDescriptorIsDropped) {
  Val f = openAt(preopen("/data"), "a.txt", 0, kRead);
  uint32_t fd = f.payload().rep();
  Val s = method("read-via-stream", {Val::borrow(fd), Val::u64(0)});
  ASSERT_TRUE(resources().remove(resource(kTypes, "descriptor"), fd));
  EXPECT_EQ(readAll(s.payload().rep()), "hello file");
}

TEST_F(WasiFsTest, CreateWriteAppendTruncate) {
  uint32_t dir = preopen("/data");
  Val f = openAt(dir, "new.txt", kCreate | kExclusive, kRead | kWrite);
  ASSERT_TRUE(f.isOk());
  uint32_t fd = f.payload().rep();
  EXPECT_EQ(method("write", {Val::borrow(fd), Val::byteList("abcdef"), Val::u64(0)}).payload().u,
            6u);
  Val ws = method("write-via-stream", {Val::borrow(fd), Val::u64(2)});
  ok(kStreams, "[method]output-stream.blocking-write-and-flush",
     {Val::borrow(ws.payload().rep()), Val::byteList("XY")});
  Val as = method("append-via-stream", {Val::borrow(fd)});
  ok(kStreams, "[method]output-stream.blocking-write-and-flush",
     {Val::borrow(as.payload().rep()), Val::byteList("!")});
  std::ifstream in(root_ / "data" / "new.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "abXYef!");
  EXPECT_TRUE(method("set-size", {Val::borrow(fd), Val::u64(3)}).isOk());
  EXPECT_EQ(stdfs::file_size(root_ / "data" / "new.txt"), 3u);
  EXPECT_TRUE(method("sync", {Val::borrow(fd)}).isOk());
  EXPECT_TRUE(method("sync-data", {Val::borrow(fd)}).isOk());
  EXPECT_TRUE(
      method("advise", {Val::borrow(fd), Val::u64(0), Val::u64(0), Val::enumCase(1)}).isOk());
  EXPECT_EQ(errCode(openAt(dir, "new.txt", kCreate | kExclusive, kWrite)), kExist);
  Val t = openAt(dir, "new.txt", kTruncate, kWrite);
  ASSERT_TRUE(t.isOk());
  EXPECT_EQ(stdfs::file_size(root_ / "data" / "new.txt"), 0u);
}

TEST_F(WasiFsTest, FileStreamFailureMapsToFilesystemErrorCode) {
  Val f = openAt(preopen("/data"), "big.txt", kCreate, kWrite);
  // pwrite far beyond any file-size limit fails with EFBIG or EINVAL: last-operation-failed.
  Val ws =
      method("write-via-stream", {Val::borrow(f.payload().rep()), Val::u64(uint64_t{1} << 62)});
  ASSERT_TRUE(ws.isOk());
  Val r = ok(kStreams, "[method]output-stream.write",
             {Val::borrow(ws.payload().rep()), Val::byteList("x")});
  ASSERT_FALSE(r.isOk());
  ASSERT_EQ(r.payload().disc, 0u);
  Val code = ok(kTypes, "filesystem-error-code", {Val::borrow(r.payload().payload().rep())});
  ASSERT_TRUE(code.isSome());
  EXPECT_TRUE(code.payload().disc == kFileTooLarge || code.payload().disc == 12u)
      << code.payload().disc;
}

TEST_F(WasiFsTest, DirectoryOperations) {
  uint32_t dir = preopen("/data");
  EXPECT_TRUE(method("create-directory-at", {Val::borrow(dir), Val::string("made")}).isOk());
  EXPECT_TRUE(stdfs::is_directory(root_ / "data" / "made"));
  EXPECT_EQ(errCode(method("create-directory-at", {Val::borrow(dir), Val::string("made")})),
            kExist);
  EXPECT_TRUE(method("rename-at", {Val::borrow(dir), Val::string("a.txt"), Val::borrow(dir),
                                   Val::string("made/b.txt")})
                  .isOk());
  EXPECT_TRUE(stdfs::exists(root_ / "data" / "made" / "b.txt"));
  EXPECT_EQ(errCode(method("remove-directory-at", {Val::borrow(dir), Val::string("made")})),
            kNotEmpty);
  EXPECT_EQ(errCode(method("unlink-file-at", {Val::borrow(dir), Val::string("made")})),
            kIsDirectory);
  EXPECT_TRUE(method("link-at", {Val::borrow(dir), flags(0), Val::string("made/b.txt"),
                                 Val::borrow(dir), Val::string("hard.txt")})
                  .isOk());
  EXPECT_EQ(stdfs::hard_link_count(root_ / "data" / "hard.txt"), 2u);
  EXPECT_TRUE(method("unlink-file-at", {Val::borrow(dir), Val::string("made/b.txt")}).isOk());
  EXPECT_TRUE(method("remove-directory-at", {Val::borrow(dir), Val::string("made")}).isOk());
  EXPECT_FALSE(stdfs::exists(root_ / "data" / "made"));
  EXPECT_EQ(errCode(method("stat-at", {Val::borrow(dir), flags(1), Val::string("missing")})),
            kNoEntry);
  EXPECT_EQ(errCode(method("open-at", {Val::borrow(dir), flags(1), Val::string("hard.txt"),
                                       flags(kDirectoryFlag), flags(kRead)})),
            kNotDirectory);
}

TEST_F(WasiFsTest, ReadDirectoryListsEntriesWithTypes) {
  uint32_t dir = preopen("/data");
  method("symlink-at", {Val::borrow(dir), Val::string("a.txt"), Val::string("link")});
  Val s = method("read-directory", {Val::borrow(dir)});
  ASSERT_TRUE(s.isOk());
  std::vector<std::pair<std::string, uint32_t>> seen;
  for (;;) {
    Val e = ok(kTypes, "[method]directory-entry-stream.read-directory-entry",
               {Val::borrow(s.payload().rep())});
    ASSERT_TRUE(e.isOk());
    if (!e.payload().isSome()) break;
    const Val& entry = e.payload().payload();
    seen.emplace_back(entry.items[1].bytes, entry.items[0].disc);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen,
            (std::vector<std::pair<std::string, uint32_t>>{{"a.txt", 6}, {"link", 5}, {"sub", 3}}));
  Val f = openAt(dir, "a.txt", 0, kRead);
  EXPECT_EQ(errCode(method("read-directory", {Val::borrow(f.payload().rep())})), kNotDirectory);
}

TEST_F(WasiFsTest, SymlinksReadlinkStatAtAndIdentity) {
  uint32_t dir = preopen("/data");
  EXPECT_TRUE(
      method("symlink-at", {Val::borrow(dir), Val::string("a.txt"), Val::string("l")}).isOk());
  Val target = method("readlink-at", {Val::borrow(dir), Val::string("l")});
  EXPECT_EQ(target.payload().bytes, "a.txt");
  EXPECT_EQ(
      method("stat-at", {Val::borrow(dir), flags(0), Val::string("l")}).payload().items[0].disc,
      5u);
  EXPECT_EQ(
      method("stat-at", {Val::borrow(dir), flags(1), Val::string("l")}).payload().items[0].disc,
      6u);
  Val a = openAt(dir, "a.txt", 0, kRead), l = openAt(dir, "l", 0, kRead);
  EXPECT_TRUE(
      method("is-same-object", {Val::borrow(a.payload().rep()), Val::borrow(l.payload().rep())}).b);
  EXPECT_FALSE(method("is-same-object", {Val::borrow(a.payload().rep()), Val::borrow(dir)}).b);
  Val h1 = method("metadata-hash", {Val::borrow(a.payload().rep())});
  Val h2 = method("metadata-hash-at", {Val::borrow(dir), flags(1), Val::string("l")});
  Val h3 = method("metadata-hash-at", {Val::borrow(dir), flags(0), Val::string("l")});
  EXPECT_EQ(h1.payload().items[0].u, h2.payload().items[0].u);
  EXPECT_EQ(h1.payload().items[1].u, h2.payload().items[1].u);
  EXPECT_NE(h1.payload().items[0].u, h3.payload().items[0].u);
  // Opening a symlink without symlink-follow fails (O_NOFOLLOW).
  EXPECT_FALSE(openAt(dir, "l", 0, kRead, 0).isOk());
}

TEST_F(WasiFsTest, SetTimes) {
  uint32_t dir = preopen("/data");
  Val ts = Val::variant(2, Val::record({Val::u64(1'000'000), Val::u32(5)}));
  EXPECT_TRUE(method("set-times-at",
                     {Val::borrow(dir), flags(1), Val::string("a.txt"), Val::variant(0), ts})
                  .isOk());
  Val st = method("stat-at", {Val::borrow(dir), flags(1), Val::string("a.txt")});
  EXPECT_EQ(st.payload().items[4].payload().items[0].u, 1'000'000u);
  Val f = openAt(dir, "a.txt", 0, kRead | kWrite);
  Val bad = Val::variant(2, Val::record({Val::u64(1), Val::u32(2'000'000'000)}));
  EXPECT_EQ(errCode(method("set-times", {Val::borrow(f.payload().rep()), bad, Val::variant(1)})),
            12u);
  EXPECT_TRUE(
      method("set-times", {Val::borrow(f.payload().rep()), Val::variant(1), Val::variant(1)})
          .isOk());
}

TEST_F(WasiFsTest, SandboxEscapesAreRefused) {
  uint32_t dir = preopen("/data");
  EXPECT_EQ(errCode(openAt(dir, "../secret.txt", 0, kRead)), kNotPermitted);
  EXPECT_EQ(errCode(openAt(dir, "sub/../../secret.txt", 0, kRead)), kNotPermitted);
  EXPECT_EQ(errCode(openAt(dir, (root_ / "secret.txt").string(), 0, kRead)), kNotPermitted);
  EXPECT_EQ(errCode(method("stat-at", {Val::borrow(dir), flags(1), Val::string("..")})),
            kNotPermitted);
  // A symlink planted on the host pointing outside is not followed out of the sandbox.
  stdfs::create_symlink(root_ / "secret.txt", root_ / "data" / "out");
  stdfs::create_symlink("../secret.txt", root_ / "data" / "rel");
  EXPECT_EQ(errCode(openAt(dir, "out", 0, kRead)), kNotPermitted);
  EXPECT_EQ(errCode(openAt(dir, "rel", 0, kRead)), kNotPermitted);
  EXPECT_EQ(errCode(method("stat-at", {Val::borrow(dir), flags(1), Val::string("rel")})),
            kNotPermitted);
  // The guest cannot create absolute symlinks, nor rename or link out.
  EXPECT_EQ(errCode(method("symlink-at",
                           {Val::borrow(dir), Val::string("/etc/passwd"), Val::string("abs")})),
            kNotPermitted);
  EXPECT_EQ(errCode(method("rename-at", {Val::borrow(dir), Val::string("a.txt"), Val::borrow(dir),
                                         Val::string("../stolen")})),
            kNotPermitted);
  EXPECT_EQ(errCode(method("link-at", {Val::borrow(dir), flags(1), Val::string("rel"),
                                       Val::borrow(dir), Val::string("x")})),
            kNotPermitted);
  EXPECT_EQ(errCode(method("create-directory-at", {Val::borrow(dir), Val::string("../evil")})),
            kNotPermitted);
  EXPECT_FALSE(stdfs::exists(root_ / "stolen"));
  EXPECT_FALSE(stdfs::exists(root_ / "evil"));
  EXPECT_TRUE(stdfs::exists(root_ / "secret.txt"));
}

TEST_F(WasiFsTest, ReadOnlyPreopenRefusesEveryMutation) {
  uint32_t ro = preopen("/ro");
  Val f = openAt(ro, "r.txt", 0, kRead);
  ASSERT_TRUE(f.isOk());
  Val s = method("read-via-stream", {Val::borrow(f.payload().rep()), Val::u64(0)});
  EXPECT_EQ(readAll(s.payload().rep()), "read only");
  EXPECT_EQ(errCode(openAt(ro, "r.txt", 0, kRead | kWrite)), kNotPermitted);
  EXPECT_EQ(errCode(openAt(ro, "new.txt", kCreate, kRead)), kNotPermitted);
  EXPECT_EQ(errCode(openAt(ro, "r.txt", kTruncate, kRead)), kNotPermitted);
  EXPECT_EQ(errCode(method("create-directory-at", {Val::borrow(ro), Val::string("d")})),
            kNotPermitted);
  EXPECT_EQ(errCode(method("unlink-file-at", {Val::borrow(ro), Val::string("r.txt")})),
            kNotPermitted);
  EXPECT_EQ(errCode(method("rename-at", {Val::borrow(ro), Val::string("r.txt"), Val::borrow(ro),
                                         Val::string("q")})),
            kNotPermitted);
  EXPECT_EQ(
      errCode(method("symlink-at", {Val::borrow(ro), Val::string("r.txt"), Val::string("q")})),
      kNotPermitted);
  EXPECT_EQ(errCode(method("set-times-at", {Val::borrow(ro), flags(1), Val::string("r.txt"),
                                            Val::variant(1), Val::variant(1)})),
            kNotPermitted);
  EXPECT_EQ(errCode(method("set-times",
                           {Val::borrow(f.payload().rep()), Val::variant(1), Val::variant(1)})),
            kNotPermitted);
  // What a read-only directory opens is read-only too.
  stdfs::create_directories(root_ / "ro" / "inner");
  Val inner = openAt(ro, "inner", kDirectoryFlag, kRead);
  ASSERT_TRUE(inner.isOk());
  EXPECT_EQ(errCode(method("create-directory-at",
                           {Val::borrow(inner.payload().rep()), Val::string("d")})),
            kNotPermitted);
  EXPECT_TRUE(stdfs::exists(root_ / "ro" / "r.txt"));
  EXPECT_FALSE(stdfs::exists(root_ / "ro" / "new.txt"));
}

TEST_F(WasiFsTest, OpenDescriptorsAreCountedAndCapped) {
  uint32_t dir = preopen("/data");
  size_t base = ctx_.open_fds;
  EXPECT_EQ(base, 2u);  // both pre-opens were handed out once
  std::vector<uint32_t> reps;
  for (int i = 0; i < 10; ++i) reps.push_back(openAt(dir, "a.txt", 0, kRead).payload().rep());
  EXPECT_EQ(ctx_.open_fds, base + 10);
  Val s = method("read-via-stream", {Val::borrow(reps[0]), Val::u64(0)});
  for (uint32_t r : reps) resources().remove(resource(kTypes, "descriptor"), r);
  EXPECT_EQ(ctx_.open_fds, base + 1);  // the stream still holds its file
  resources().remove(io_.input_stream, s.payload().rep());
  EXPECT_EQ(ctx_.open_fds, base);
  // At the limit, open-at fails (error-code io) until a descriptor is dropped.
  ctx_.open_fds = limits::kMaxFds - 1;
  Val last = openAt(dir, "a.txt", 0, kRead);
  ASSERT_TRUE(last.isOk());
  EXPECT_EQ(errCode(openAt(dir, "a.txt", 0, kRead)), 13u);
  resources().remove(resource(kTypes, "descriptor"), last.payload().rep());
  EXPECT_TRUE(openAt(dir, "a.txt", 0, kRead).isOk());
  ctx_.open_fds -= limits::kMaxFds - 1 - base;  // back to the real count for the teardown
}

TEST_F(WasiFsTest, PathMethodsOnAFileAreNotDirectory) {
  Val f = openAt(preopen("/data"), "a.txt", 0, kRead);
  EXPECT_EQ(errCode(openAt(f.payload().rep(), "x", 0, kRead)), kNotDirectory);
  EXPECT_EQ(errCode(method("read-via-stream", {Val::borrow(preopen("/data")), Val::u64(0)})),
            kIsDirectory);
}

}  // namespace
}  // namespace tern::wasi2::testing
