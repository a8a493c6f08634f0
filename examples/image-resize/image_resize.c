// The image-resize example: decodes a PNG/JPEG (or PNM) request body with stb_image, resizes it to
// ?width=N (height keeps the aspect ratio) and answers PNG, or JPEG with ?format=jpeg.
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

static void sink(void* ctx, void* data, int size) { wagi_append(ctx, data, (size_t)size); }

static void fail(WagiResponse* res, int status, const char* why) {
  res->status = status;
  wagi_header(res, "Content-Type", "text/plain");
  wagi_printf(&res->body, "%s\n", why);
}

void app_handle(const WagiRequest* req, WagiResponse* res) {
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
  if (!out || !stbir_resize_uint8(in, w, h, 0, out, out_w, out_h, 0, channels)) {
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
