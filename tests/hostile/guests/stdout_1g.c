// Hostile guest: a valid CGI header, then 1 GiB of body on stdout. The output cap keeps at most
// max_output bytes; the request must end in 500, not in a 1 GiB buffer.
#include <string.h>
#include <unistd.h>

static char chunk[1 << 16];

int main(void) {
  static const char head[] = "Content-Type: text/plain\n\n";
  write(1, head, sizeof head - 1);
  memset(chunk, 'x', sizeof chunk);
  for (unsigned i = 0; i < (1u << 30) / sizeof chunk; ++i) {
    if (write(1, chunk, sizeof chunk) < 0) return 1;
  }
  return 0;
}
