// Hostile guest: opens its one mounted file 10,000 times without closing any. WASI's per-context
// descriptor cap must stop it (EMFILE); the guest then aborts (500), and every host fd it held is
// closed with its request.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  for (int i = 0; i < 10000; ++i) {
    if (open("/data.txt", O_RDONLY) < 0) {
      fprintf(stderr, "open_10k: open #%d failed: %s\n", i, strerror(errno));
      abort();
    }
  }
  printf("Content-Type: text/plain\n\nopened 10000 files: no descriptor cap\n");
  return 0;
}
