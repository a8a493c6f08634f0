// A wasi:cli/run command component for tests/component: stdio, args, env, pre-opened files, exit
// codes, traps and sleeps, chosen by argv[1]. Built by tern_component_from_c with command.wit.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

// wasi:cli/exit@0.2.x exit-with-code, imported directly (the preview 1 adapter maps proc_exit(n)
// to exit(err) for every n != 0).
__attribute__((import_module("wasi:cli/exit@0.2.12"), import_name("exit-with-code"))) void
exit_with_code(int code);

static int tryOpen(const char* path, const char* mode) {
  FILE* f = fopen(path, mode);
  if (!f) {
    printf("%s: %s\n", path,
           errno == EPERM         ? "EPERM"
           : errno == ENOTCAPABLE ? "ENOTCAPABLE"
                                  : strerror(errno));
    return 1;
  }
  fclose(f);
  printf("%s: opened\n", path);
  return 0;
}

static void mainCase(int argc, char** argv) {
  printf("hello from a component\n");
  printf("argc=%d last=%s\n", argc, argv[argc - 1]);
  const char* g = getenv("GREETING");
  printf("GREETING=%s\n", g ? g : "(unset)");
  FILE* in = fopen("/data/input.txt", "r");
  char line[128] = {0};
  if (in && fgets(line, sizeof line, in)) printf("input: %s", line);
  if (in) fclose(in);
  FILE* out = fopen("/data/out.txt", "w");
  if (out) {
    fputs("written by the guest\n", out);
    fclose(out);
  }
  fprintf(stderr, "a line on stderr\n");
  fflush(stdout);
  exit_with_code(3);
}

// Directory and file operations through the adapter: mkdir, write, stat, rename, symlink,
// readlink, readdir (sorted by the host test), unlink, rmdir.
static void fsCase(void) {
  printf("mkdir %d\n", mkdir("/data/dir", 0755));
  FILE* f = fopen("/data/dir/f.txt", "w");
  fputs("12345", f);
  fclose(f);
  struct stat st;
  printf("stat %d size=%lld dir=%d\n", stat("/data/dir/f.txt", &st), (long long)st.st_size,
         S_ISDIR(st.st_mode));
  printf("rename %d\n", rename("/data/dir/f.txt", "/data/dir/g.txt"));
  printf("symlink %d\n", symlink("g.txt", "/data/dir/link"));
  char target[64] = {0};
  printf("readlink %zd %s\n", readlink("/data/dir/link", target, sizeof target - 1), target);
  DIR* d = opendir("/data/dir");
  int entries = 0;
  for (struct dirent* e; d && (e = readdir(d));) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) ++entries;
  }
  if (d) closedir(d);
  printf("entries %d\n", entries);
  printf("unlink %d %d\n", unlink("/data/dir/link"), unlink("/data/dir/g.txt"));
  printf("rmdir %d\n", rmdir("/data/dir"));
  printf("missing %s\n", open("/data/none", O_RDONLY) < 0 && errno == ENOENT ? "ENOENT" : "?");
}

// Clocks, sleeping (monotonic subscribe + poll) and random bytes through the adapter.
static void miscCase(void) {
  struct timespec a, b, wall;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec nap = {0, 20 * 1000 * 1000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long ms = (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
  printf("slept %s\n", ms >= 20 && ms < 5000 ? "ok" : "wrong");
  clock_gettime(CLOCK_REALTIME, &wall);
  printf("wall %s\n", wall.tv_sec > 1700000000 ? "ok" : "wrong");
  unsigned char r1[16] = {0}, r2[16] = {0};
  getentropy(r1, sizeof r1);
  getentropy(r2, sizeof r2);
  printf("random %s\n", memcmp(r1, r2, sizeof r1) ? "ok" : "same");
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "main";
  if (strcmp(mode, "main") == 0) mainCase(argc, argv);
  if (strcmp(mode, "fail") == 0) return 7;  // run returns err: exit status 1
  if (strcmp(mode, "trap") == 0) __builtin_trap();
  if (strcmp(mode, "sleep") == 0) {
    sleep(30);
    printf("woke up\n");
    return 0;
  }
  if (strcmp(mode, "sandbox") == 0) {
    tryOpen("/data/../secret.txt", "r");
    tryOpen("/ro/new.txt", "w");
    tryOpen("/ro/readme.txt", "r");
    return 0;
  }
  if (strcmp(mode, "fs") == 0) fsCase();
  if (strcmp(mode, "misc") == 0) miscCase();
  if (strcmp(mode, "echo") == 0) {
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf, stdin);
    fwrite(buf, 1, n, stdout);
    return 0;
  }
  return 0;
}
