// The tiny-inference example: POST 64 numbers (an 8x8 image, 0..1, as a JSON array) and get the
// digit the build-trained MLP predicts, with its class probabilities, as JSON.
#include <stdlib.h>
#include <string.h>

#include "../common/wagi_app.h"
#include "mlp.h"
#include "mlp_weights.h"

static void bad(WagiResponse* res, const char* why) {
  res->status = 400;
  wagi_header(res, "Content-Type", "application/json");
  wagi_printf(&res->body, "{\"error\":\"%s\"}\n", why);
}

void app_handle(const WagiRequest* req, WagiResponse* res) {
  float x[kMlpIn], h[kMlpHidden], p[kMlpOut];
  char* text = malloc(req->body_len + 1);
  if (!text) return bad(res, "out of memory");
  if (req->body_len) memcpy(text, req->body, req->body_len);
  text[req->body_len] = 0;
  int n = 0;
  char* s = text;
  while (*s) {
    if (strchr("[], \t\r\n", *s)) {
      ++s;
      continue;
    }
    char* end;
    float v = strtof(s, &end);
    if (end == s || n == kMlpIn) break;
    x[n++] = v;
    s = end;
  }
  int trailing = *s != 0;
  free(text);
  if (n != kMlpIn || trailing) return bad(res, "expected a JSON array of 64 numbers");
  mlp_forward(&kMlp, x, h, p);
  int best = 0;
  for (int o = 1; o < kMlpOut; ++o) best = p[o] > p[best] ? o : best;
  wagi_header(res, "Content-Type", "application/json");
  wagi_printf(&res->body, "{\"prediction\":%d,\"confidence\":%.3f,\"probabilities\":[", best, p[best]);
  for (int o = 0; o < kMlpOut; ++o) wagi_printf(&res->body, "%s%.4f", o ? "," : "", p[o]);
  wagi_append(&res->body, "]}\n", 3);
}
