// A wasi:cli/run command component for tests/component: stdio, args, env, pre-opened files, exit
// codes, traps and sleeps, chosen by argv[1]. Built by tern_component_from_c with command.wit.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// wasi:cli/exit@0.2.x exit-with-code, imported directly (the preview 1 adapter maps proc_exit(n)
// to exit(err) for every n != 0).
__attribute__((import_module("wasi:cli/exit@0.2.12"), import_name("exit-with-code")))
void exit_with_code(int code);

static int tryOpen(const char* path, const char* mode) {
  FILE* f = fopen(path, mode);
  if (!f) {
    printf("%s: %s\n", path, errno == EPERM ? "EPERM" : errno == ENOTCAPABLE ? "ENOTCAPABLE"
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
  if (strcmp(mode, "echo") == 0) {
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf, stdin);
    fwrite(buf, 1, n, stdout);
    return 0;
  }
  return 0;
}
