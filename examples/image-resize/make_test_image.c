// Writes the benchmark's input image: a deterministic W x H colour pattern as JPEG or PNG (by the
// output name's extension). Usage: make_test_image OUT.jpg|OUT.png [W H]
#include <stdlib.h>
#include <string.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int w = argc > 3 ? atoi(argv[2]) : 1000, h = argc > 3 ? atoi(argv[3]) : 1000;
  unsigned char* px = malloc((size_t)w * h * 3);
  if (!px) return 1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      unsigned char* p = px + ((size_t)y * w + x) * 3;
      p[0] = (unsigned char)(x * 255 / w);
      p[1] = (unsigned char)(y * 255 / h);
      p[2] = (unsigned char)(((x / 50 + y / 50) & 1) ? 200 : 40);
    }
  size_t n = strlen(argv[1]);
  int png = n > 4 && strcmp(argv[1] + n - 4, ".png") == 0;
  int ok = png ? stbi_write_png(argv[1], w, h, 3, px, w * 3) : stbi_write_jpg(argv[1], w, h, 3, px, 90);
  free(px);
  return ok ? 0 : 1;
}
