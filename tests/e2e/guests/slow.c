// E2E guest: busy-waits for QUERY_STRING "ms=N" milliseconds (default 1500), then answers.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double nowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

int main(void) {
  const char* q = getenv("QUERY_STRING");
  long ms = q && strncmp(q, "ms=", 3) == 0 ? atol(q + 3) : 1500;
  double end = nowMs() + ms;
  while (nowMs() < end) {
  }
  printf("Content-Type: text/plain\n\nslept %ld ms\n", ms);
  return 0;
}
