// Named limits for the AI stage: sizes read from model files and asked for by guests.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::ai::limits {

// Model files (untrusted input: a model folder is whatever an operator copied there).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100u << 20;  // the format's own cap
inline constexpr uint64_t kMaxTensorElements = uint64_t{1} << 34;
inline constexpr size_t kMaxTensorRank = 8;
inline constexpr size_t kMaxShards = 1024;
inline constexpr uint64_t kMaxTokenizerJsonBytes = 64u << 20;
inline constexpr size_t kMaxVocab = 1u << 20;
inline constexpr int kMaxLayers = 512;
inline constexpr int kMaxHidden = 65536;

// Requests (guest input).
inline constexpr size_t kMaxPromptBytes = 1u << 20;      // one infer prompt
inline constexpr uint32_t kMaxGeneratedTokens = 8192;    // cap on max-tokens
inline constexpr size_t kMaxEmbeddingTexts = 1024;       // texts in one generate-embeddings
inline constexpr size_t kMaxEmbeddingTextBytes = 1u << 20;  // summed over one call
inline constexpr uint32_t kMaxContextTokens = 32768;     // KV cache length per sequence

}  // namespace tern::ai::limits
