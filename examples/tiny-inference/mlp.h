// The tiny-inference network: a 64-32-10 multilayer perceptron (ReLU, softmax) over an 8x8 image,
// shared by the build-time trainer and the guest.
#ifndef TERN_EXAMPLES_MLP_H
#define TERN_EXAMPLES_MLP_H

#include <math.h>

enum { kMlpIn = 64, kMlpHidden = 32, kMlpOut = 10 };

typedef struct {
  float w1[kMlpIn * kMlpHidden], b1[kMlpHidden], w2[kMlpHidden * kMlpOut], b2[kMlpOut];
} Mlp;

// hidden = relu(x W1 + b1); probs = softmax(hidden W2 + b2).
static inline void mlp_forward(const Mlp* m, const float* x, float* hidden, float* probs) {
  for (int j = 0; j < kMlpHidden; ++j) {
    float s = m->b1[j];
    for (int i = 0; i < kMlpIn; ++i) s += x[i] * m->w1[i * kMlpHidden + j];
    hidden[j] = s > 0 ? s : 0;
  }
  float max = -1e30f, sum = 0;
  for (int o = 0; o < kMlpOut; ++o) {
    float s = m->b2[o];
    for (int j = 0; j < kMlpHidden; ++j) s += hidden[j] * m->w2[j * kMlpOut + o];
    probs[o] = s;
    max = s > max ? s : max;
  }
  for (int o = 0; o < kMlpOut; ++o) sum += probs[o] = expf(probs[o] - max);
  for (int o = 0; o < kMlpOut; ++o) probs[o] /= sum;
}

#endif
