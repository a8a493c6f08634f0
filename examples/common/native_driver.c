// Native benchmark driver for the edge example apps: runs the same app_handle() as the WAGI guest,
// built with gcc -O2, on one fixed request many times, and prints per-call latency. There is no
// HTTP here: this is the cost of the handler logic alone, the floor a server could approach.
// Usage: APP_native [-n N] [-b BODY_FILE] [-o OUT_FILE] NAME=VALUE...   (CGI variables)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "wagi_app.h"

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  int n = 1000;
  const char *body_file = NULL, *out_file = NULL;
  const char* env[64];
  int nenv = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) n = atoi(argv[++i]);
    else if (strcmp(argv[i], "-b") == 0 && i + 1 < argc) body_file = argv[++i];
    else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) out_file = argv[++i];
    else if (nenv < 63) env[nenv++] = argv[i];
  }
  env[nenv] = NULL;
  WagiBuf body = {0};
  if (body_file) {
    FILE* f = fopen(body_file, "rb");
    if (!f) return perror(body_file), 1;
    char chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) wagi_append(&body, chunk, r);
    fclose(f);
  }
  WagiRequest req = {env, (const unsigned char*)body.data, body.len};
  if (n < 1) n = 1;
  double* t = malloc(sizeof(double) * (size_t)n);
  int status = 0;
  double t0 = now_us();
  for (int i = 0; i < n; ++i) {
    WagiResponse res = {200, {0}, {0}};
    double s = now_us();
    app_handle(&req, &res);
    t[i] = now_us() - s;
    status = res.status;
    if (i == 0 && out_file) {
      FILE* f = fopen(out_file, "wb");
      if (f) fwrite(res.body.data, 1, res.body.len, f), fclose(f);
    }
    wagi_response_free(&res);
  }
  double total = now_us() - t0;
  qsort(t, (size_t)n, sizeof *t, cmp);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("calls=%d status=%d calls_per_s=%.0f p50_us=%.2f p99_us=%.2f max_rss_kb=%ld\n", n, status,
         n / total * 1e6, t[n / 2], t[(int)(n * 0.99)], ru.ru_maxrss);
  free(t);
  free(body.data);
  return 0;
}
