// Observe-test guest: busy-waits 60 ms, then answers (a latency the histogram must place).
#include <stdio.h>
#include <time.h>

static double nowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

int main(void) {
  double end = nowMs() + 60;
  while (nowMs() < end) {
  }
  printf("Content-Type: text/plain\n\nslow\n");
  return 0;
}
