// Hostile guest: tries to read the host's /etc/passwd through its read-only "/" mount. Any success
// is printed as a 200 (the suite fails on it); when every attempt is refused it exits 1 (500).
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  static const char* const kPaths[] = {
      "/../etc/passwd",     "../../../../../../etc/passwd", "/etc/passwd",
      "/data.txt/../../../../etc/passwd", "//etc/passwd", "/./../../etc/passwd",
      "/proc/self/root/etc/passwd"};
  for (unsigned i = 0; i < sizeof kPaths / sizeof kPaths[0]; ++i) {
    int fd = open(kPaths[i], O_RDONLY);
    if (fd < 0) continue;
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n > 0 && buf[0] == 'r') {  // "root:x:0:0:..."
      printf("Content-Type: text/plain\n\nescaped via %s: %s\n", kPaths[i], buf);
      return 0;
    }
  }
  fprintf(stderr, "path_escape: every escape was refused\n");
  return 1;
}
