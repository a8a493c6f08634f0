// Deterministic synthetic embeddings for tests and benches: a Gaussian mixture around random
// centres (clustered, as sentence embeddings are), plus exact top-k by brute force.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace tern::vector::synthetic {

// n x d floats, row-major: a Gaussian mixture of `clusters` centres (spread `noise`) in a
// 32-dimensional latent space, mapped to d dimensions by a fixed random projection plus a little
// isotropic noise. Sentence embeddings have such a low intrinsic dimension; i.i.d. noise in all d
// dimensions would be a far harder set than any text model produces.
inline std::vector<float> mixture(size_t n, size_t d, size_t clusters, float noise, uint64_t seed) {
  const size_t latent = std::min<size_t>(d, 32);
  std::mt19937_64 fixed(12345);  // the projection is the same for base and query sets
  std::normal_distribution<float> g;
  std::vector<float> proj(d * latent);
  for (auto& p : proj) p = g(fixed) / std::sqrt(float(latent));
  std::vector<float> centres(clusters * latent);
  for (auto& c : centres) c = g(fixed);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<float> out(n * d), z(latent);
  for (size_t i = 0; i < n; ++i) {
    const float* c = &centres[pick(rng) * latent];
    for (size_t j = 0; j < latent; ++j) z[j] = c[j] + noise * g(rng);
    for (size_t r = 0; r < d; ++r) {
      float v = 0.05f * g(rng);
      for (size_t j = 0; j < latent; ++j) v += proj[r * latent + j] * z[j];
      out[i * d + r] = v;
    }
  }
  return out;
}

// Indices of the k largest cosine similarities of q against the rows of base.
inline std::vector<size_t> exactTopK(const std::vector<float>& base, size_t d, const float* q,
                                     size_t k) {
  size_t n = base.size() / d;
  std::vector<float> sim(n);
  double qn = 0;
  for (size_t j = 0; j < d; ++j) qn += double(q[j]) * q[j];
  for (size_t i = 0; i < n; ++i) {
    double dot = 0, bn = 0;
    for (size_t j = 0; j < d; ++j) {
      dot += double(base[i * d + j]) * q[j];
      bn += double(base[i * d + j]) * base[i * d + j];
    }
    sim[i] = float(dot / std::sqrt(bn * qn));
  }
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](size_t a, size_t b) { return sim[a] > sim[b]; });
  idx.resize(k);
  return idx;
}

}  // namespace tern::vector::synthetic
