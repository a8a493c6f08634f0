// Sandbox probe guest: performs the one file-system operation named on its command line and
// prints the outcome ("ok ..." or "errno NAME" / "wasi-errno NAME"), so the host-side test can
// check what the WASI sandbox allowed. libc commands go through wasi-libc's path handling; raw-*
// commands call wasi_snapshot_preview1 directly on a pre-open, with the path exactly as given.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static const char* errnoName(int e) {
  switch (e) {
    case EPERM:
      return "EPERM";
    case ENOTCAPABLE:
      return "ENOTCAPABLE";
    case EACCES:
      return "EACCES";
    case EROFS:
      return "EROFS";
    case ENOENT:
      return "ENOENT";
    case EBADF:
      return "EBADF";
    case ENOTDIR:
      return "ENOTDIR";
    case EISDIR:
      return "EISDIR";
    case EEXIST:
      return "EEXIST";
    case ELOOP:
      return "ELOOP";
    case EXDEV:
      return "EXDEV";
    case EINVAL:
      return "EINVAL";
    case ENOTEMPTY:
      return "ENOTEMPTY";
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "E%d", e);
      return buf;
    }
  }
}

// WASI errno values are the same numbers wasi-libc's errno uses.
static int report(int ok, int err) {
  if (ok) {
    printf("ok\n");
  } else {
    printf("errno %s\n", errnoName(err));
  }
  return 0;
}

static int reportWasi(__wasi_errno_t e) {
  if (e == 0) {
    printf("ok\n");
  } else {
    printf("wasi-errno %s\n", errnoName(e));
  }
  return 0;
}

static void printContents(int fd) {
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n < 0) {
    printf("errno %s\n", errnoName(errno));
    return;
  }
  while (n > 0 && buf[n - 1] == '\n') --n;
  buf[n] = 0;
  printf("ok %s\n", buf);
}

// The fd of the pre-open named `name` (as fd_prestat_dir_name reports it), or -1.
static int findPreopen(const char* name) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t st;
    if (__wasi_fd_prestat_get(fd, &st) != 0) break;
    char buf[256];
    size_t len = st.u.dir.pr_name_len;
    if (len >= sizeof buf || __wasi_fd_prestat_dir_name(fd, (uint8_t*)buf, len) != 0) continue;
    buf[len] = 0;
    if (strcmp(buf, name) == 0) return (int)fd;
  }
  return -1;
}

static int rawOpen(const char* preopen, const char* path, int follow, int create) {
  int dir = findPreopen(preopen);
  if (dir < 0) {
    printf("no pre-open %s\n", preopen);
    return 1;
  }
  __wasi_fd_t fd;
  __wasi_rights_t rights = create ? __WASI_RIGHTS_FD_WRITE : __WASI_RIGHTS_FD_READ;
  __wasi_errno_t e =
      __wasi_path_open((__wasi_fd_t)dir, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path,
                       create ? __WASI_OFLAGS_CREAT : 0, rights, 0, 0, &fd);
  if (e != 0) return reportWasi(e);
  if (create) {
    printf("ok\n");
  } else {
    printContents((int)fd);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: sandbox_probe COMMAND ARGS...\n");
    return 2;
  }
  const char* cmd = argv[1];
  const char* a = argv[2];
  const char* b = argc > 3 ? argv[3] : "";
  if (strcmp(cmd, "read") == 0) {
    int fd = open(a, O_RDONLY);
    if (fd < 0) return report(0, errno);
    printContents(fd);
    return 0;
  }
  if (strcmp(cmd, "write") == 0 || strcmp(cmd, "append") == 0) {
    int flags = strcmp(cmd, "write") == 0 ? O_WRONLY | O_CREAT | O_TRUNC : O_WRONLY | O_APPEND;
    int fd = open(a, flags, 0644);
    if (fd < 0) return report(0, errno);
    ssize_t n = write(fd, "pwned\n", 6);
    return report(n == 6, errno);
  }
  if (strcmp(cmd, "mkdir") == 0) return report(mkdir(a, 0755) == 0, errno);
  if (strcmp(cmd, "unlink") == 0) return report(unlink(a) == 0, errno);
  if (strcmp(cmd, "rmdir") == 0) return report(rmdir(a) == 0, errno);
  if (strcmp(cmd, "rename") == 0) return report(rename(a, b) == 0, errno);
  if (strcmp(cmd, "symlink") == 0) return report(symlink(a, b) == 0, errno);
  if (strcmp(cmd, "stat") == 0) {
    struct stat st;
    if (stat(a, &st) != 0) return report(0, errno);
    printf("ok size %lld\n", (long long)st.st_size);
    return 0;
  }
  if (strcmp(cmd, "ls") == 0) {
    DIR* d = opendir(a);
    if (!d) return report(0, errno);
    struct dirent* e;
    printf("ok");
    while ((e = readdir(d)) != NULL) printf(" %s", e->d_name);
    printf("\n");
    return 0;
  }
  if (strcmp(cmd, "raw-read") == 0) return rawOpen(a, b, 1, 0);
  if (strcmp(cmd, "raw-read-nofollow") == 0) return rawOpen(a, b, 0, 0);
  if (strcmp(cmd, "raw-create") == 0) return rawOpen(a, b, 1, 1);
  if (strcmp(cmd, "raw-stat") == 0) {
    int dir = findPreopen(a);
    __wasi_filestat_t st;
    __wasi_errno_t e =
        __wasi_path_filestat_get((__wasi_fd_t)dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, b, &st);
    if (e != 0) return reportWasi(e);
    printf("ok size %llu\n", (unsigned long long)st.size);
    return 0;
  }
  if (strcmp(cmd, "raw-symlink") == 0 && argc > 4) {
    int dir = findPreopen(a);
    return reportWasi(__wasi_path_symlink(b, (__wasi_fd_t)dir, argv[4]));
  }
  fprintf(stderr, "unknown command %s\n", cmd);
  return 2;
}
