// The image-resize example: decodes a PNG/JPEG (or PNM) request body with stb_image, resizes it to
// ?width=N (height keeps the aspect ratio) and answers PNG, or JPEG with ?format=jpeg. Shrinking
// averages the input area under each output pixel (integer arithmetic, two separable passes);
// enlarging uses stb_image_resize's filters.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wagi_app.h"

#define STBI_NO_STDIO
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb/stb_image_resize.h>
#define STBI_WRITE_NO_STDIO
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

// Limits for untrusted input: the decoded image and the requested width.
enum { kMaxPixels = 16 * 1000 * 1000, kMaxWidth = 4096, kJpegQuality = 85 };

// Area-average weights along one axis: output pixel o covers input [o*n/m, (o+1)*n/m), with partial
// coverage at both ends. For each o: its first input pixel, how many it covers, and that many
// weights in 1/4096 that sum to 4096 (the first takes the rounding remainder).
typedef struct {
  int taps;  // the most pixels one output pixel covers
  int* first;
  int* count;
  uint16_t* weight;  // m * taps
} Axis;

static int axis_init(Axis* a, int n, int m) {
  a->taps = (n + m - 1) / m + 1;
  a->first = malloc(sizeof(int) * (size_t)m);
  a->count = calloc((size_t)m, sizeof(int));
  a->weight = calloc((size_t)m * (size_t)a->taps, sizeof(uint16_t));
  if (!a->first || !a->count || !a->weight) return -1;
  for (int o = 0; o < m; ++o) {
    uint64_t lo = (uint64_t)o * n * 4096 / m, hi = (uint64_t)(o + 1) * n * 4096 / m;
    int first = (int)(lo / 4096), left = 4096;
    a->first[o] = first;
    for (int t = 0; t < a->taps && first + t < n; ++t) {
      uint64_t s = (uint64_t)(first + t) * 4096, e = s + 4096;
      if (s < lo) s = lo;
      if (e > hi) e = hi;
      if (e <= s) break;
      int w = (int)(((e - s) * 4096 + (hi - lo) / 2) / (hi - lo));
      if (w > left) w = left;
      a->weight[(size_t)o * a->taps + t] = (uint16_t)w;
      a->count[o] = t + 1;
      left -= w;
    }
    a->weight[(size_t)o * a->taps] += (uint16_t)left;  // rounding remainder
  }
  return 0;
}

static void axis_free(Axis* a) {
  free(a->first);
  free(a->count);
  free(a->weight);
}

// Shrinks `in` (w x h) to `out` (ow x oh, ow <= w, oh <= h) by area averaging: per output row, the
// covered input rows are summed with their vertical weights (contiguous, so it vectorizes), then
// that sum row is reduced horizontally. Sums stay below 255 * 4096 * 4096 < 2^32. Returns 0 or -1.
static int shrink(const unsigned char* in, int w, int h, unsigned char* out, int ow, int oh, int ch) {
  Axis ax = {0}, ay = {0};
  size_t row_len = (size_t)w * ch;
  uint32_t* acc = malloc(row_len * sizeof(uint32_t));
  int rc = -1;
  if (!acc || axis_init(&ax, w, ow) != 0 || axis_init(&ay, h, oh) != 0) goto done;
  for (int o = 0; o < oh; ++o) {
    memset(acc, 0, row_len * sizeof(uint32_t));
    const uint16_t* wy = ay.weight + (size_t)o * ay.taps;
    for (int t = 0; t < ay.count[o]; ++t) {
      const unsigned char* src = in + (size_t)(ay.first[o] + t) * row_len;
      uint32_t weight = wy[t];
      for (size_t i = 0; i < row_len; ++i) acc[i] += src[i] * weight;
    }
    unsigned char* dst = out + (size_t)o * ow * ch;
    for (int x = 0; x < ow; ++x) {
      const uint16_t* wx = ax.weight + (size_t)x * ax.taps;
      const uint32_t* p = acc + (size_t)ax.first[x] * ch;
      uint32_t sum[4] = {0, 0, 0, 0};
      for (int t = 0; t < ax.count[x]; ++t, p += ch)
        for (int c = 0; c < ch; ++c) sum[c] += p[c] * (uint32_t)wx[t];
      for (int c = 0; c < ch; ++c) dst[x * ch + c] = (unsigned char)((sum[c] + (1u << 23)) >> 24);
    }
  }
  rc = 0;
done:
  axis_free(&ax);
  axis_free(&ay);
  free(acc);
  return rc;
}

static void sink(void* ctx, void* data, int size) { wagi_append(ctx, data, (size_t)size); }

static void fail(WagiResponse* res, int status, const char* why) {
  res->status = status;
  wagi_header(res, "Content-Type", "text/plain");
  wagi_printf(&res->body, "%s\n", why);
}

void app_handle(const WagiRequest* req, WagiResponse* res) {
  // Thumbnails are small: zlib's fast level costs a few percent of size and a fraction of the time.
  stbi_write_png_compression_level = 2;
  char arg[32] = "128", format[16] = "png";
  wagi_query(req, "width", arg, sizeof arg);
  wagi_query(req, "format", format, sizeof format);
  int out_w = atoi(arg);
  if (out_w < 1 || out_w > kMaxWidth) return fail(res, 400, "width must be 1..4096");
  int jpeg = strcmp(format, "jpeg") == 0 || strcmp(format, "jpg") == 0;
  if (!jpeg && strcmp(format, "png") != 0) return fail(res, 400, "format must be png or jpeg");
  if (req->body_len == 0 || req->body_len > (size_t)INT32_MAX) return fail(res, 400, "no image");

  int w, h, ch;
  if (!stbi_info_from_memory(req->body, (int)req->body_len, &w, &h, &ch))
    return fail(res, 415, "not a PNG, JPEG or PNM image");
  if ((long long)w * h > kMaxPixels) return fail(res, 413, "image too large");
  int channels = jpeg ? 3 : (ch == 2 || ch == 4 ? 4 : 3);
  unsigned char* in = stbi_load_from_memory(req->body, (int)req->body_len, &w, &h, &ch, channels);
  if (!in) return fail(res, 415, stbi_failure_reason());
  int out_h = (int)(((long long)h * out_w + w / 2) / w);
  if (out_h < 1) out_h = 1;
  unsigned char* out = malloc((size_t)out_w * out_h * channels);
  int resized = out && (out_w <= w && out_h <= h
                            ? shrink(in, w, h, out, out_w, out_h, channels) == 0
                            : stbir_resize_uint8(in, w, h, 0, out, out_w, out_h, 0, channels));
  if (!resized) {
    stbi_image_free(in);
    free(out);
    return fail(res, 500, "resize failed");
  }
  stbi_image_free(in);
  int ok = jpeg ? stbi_write_jpg_to_func(sink, &res->body, out_w, out_h, channels, out, kJpegQuality)
                : stbi_write_png_to_func(sink, &res->body, out_w, out_h, channels, out, 0);
  free(out);
  if (!ok) return fail(res, 500, "encode failed");
  wagi_header(res, "Content-Type", jpeg ? "image/jpeg" : "image/png");
  wagi_printf(&res->headers, "X-Source-Size: %dx%d\n", w, h);
}
