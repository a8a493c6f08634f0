#!/usr/bin/python3
"""Generates small Llama- and BERT-architecture models deterministically, in Spin's layout.

Each model is what a real Hugging Face checkpoint folder holds: config.json, tokenizer.json and
model.safetensors (or shards + model.safetensors.index.json). Weights are seeded random numbers;
tokenizers are BPE / WordPiece vocabularies trained here on a fixed corpus. Usage:

    make_models.py OUT_DIR            # the test models (a few hundred KB)
    make_models.py OUT_DIR --bench    # also llama/bench-100m (~100M parameters, ~400 MB F32)
"""
import collections
import json
import os
import re
import struct
import sys

import numpy as np

CORPUS = """
The edge runs small programs close to people. A request arrives, a sandbox starts, the answer
leaves within a few milliseconds. Models that fit in memory can answer questions, rank search
results, or turn a sentence into a vector. Vectors that point the same way mean the same thing.
Tokens are pieces of words: the tokenizer splits text into pieces and the model predicts the next
piece. Caching the keys and values of attention makes each new token cheap. Rotary position
embeddings rotate queries and keys by an angle that grows with the position. Grouped query
attention shares keys and values between heads. The quick brown fox jumps over the lazy dog.
Serverless platforms scale to zero, start fast and bill by the millisecond. Weights are mapped
into memory once and shared by every instance on the node. Numbers like 2024, 3.14 and 42 appear
in text too, and so do emails, prices ($9.99), dates (2026-11-26) and punctuation!? Café, naïve,
résumé and über are words with accents; 東京 and 北京 are cities.
"""


# ---------------------------------------------------------------------------------------------
# safetensors writer
_DTYPES = {np.float32: "F32", np.float16: "F16"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        raw = arr.tobytes()
        header[name] = {"dtype": _DTYPES[arr.dtype.type], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------------
# BPE training (the same greedy pair-merging every BPE trainer does)
def train_bpe(words, num_merges):
    """words: {tuple(symbols): count}. Returns the ordered merge list."""
    words = dict(words)
    merges = []
    for _ in range(num_merges):
        pairs = collections.Counter()
        for word, count in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += count
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pairs[best] < 2:
            break
        merges.append(best)
        joined = best[0] + best[1]
        new_words = {}
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(joined)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            new_words[tuple(out)] = new_words.get(tuple(out), 0) + count
        words = new_words
    return merges


def added(id_, content, special=True):
    return {"id": id_, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": special}


def sentencepiece_bpe_tokenizer(num_merges, vocab_size=None):
    """Llama-2 style: Prepend/Replace normalizer, BPE with byte fallback, <s> template."""
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    text = CORPUS.replace("\n", " ")
    words = collections.Counter("\u2581" + w for w in text.split(" ") if w)
    chars = sorted({c for w in words for c in w})
    for c in chars:
        vocab.setdefault(c, len(vocab))
    merges = train_bpe({tuple(w): n for w, n in words.items()}, num_merges)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    while vocab_size and len(vocab) < vocab_size:
        vocab["<reserved_%d>" % len(vocab)] = len(vocab)
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                  "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": True,
                  "byte_fallback": True, "ignore_merges": False, "vocab": vocab,
                  "merges": ["%s %s" % m for m in merges]},
    }
    config = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
              "tokenizer_class": "LlamaTokenizer", "add_bos_token": True}
    return tok, config, 1, 2


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def byte_level_bpe_tokenizer(num_merges):
    """Llama-3 style: Split(regex) + ByteLevel pre-tokenizer, byte-level BPE, ignore_merges."""
    b2u = bytes_to_unicode()
    vocab = {}
    for b in range(256):
        vocab[b2u[b]] = len(vocab)
    # Training needs any reasonable split; the tokenizer itself uses LLAMA3_PATTERN.
    pieces = re.findall(r" ?\w+| ?[^\w\s]+|\s+", CORPUS.replace("\n", " "))
    words = collections.Counter("".join(b2u[b] for b in p.encode()) for p in pieces)
    merges = train_bpe({tuple(w): n for w, n in words.items()}, num_merges)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    bos, eos = len(vocab), len(vocab) + 1
    vocab["<|begin_of_text|>"] = bos
    vocab["<|end_of_text|>"] = eos
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(bos, "<|begin_of_text|>"), added(eos, "<|end_of_text|>")],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated",
             "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": False}]},
        "post_processor": {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
             "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                        {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                      {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                      {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos],
                                                      "tokens": ["<|begin_of_text|>"]}}}]},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
                  "vocab": vocab, "merges": [[a, b] for a, b in merges]},
    }
    config = {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>",
              "tokenizer_class": "PreTrainedTokenizerFast"}
    return tok, config, bos, eos


def wordpiece_tokenizer():
    """BERT / all-MiniLM-L6-v2 style: BertNormalizer, BertPreTokenizer, WordPiece, [CLS]..[SEP]."""
    vocab = {}
    for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]:
        vocab[t] = len(vocab)
    text = CORPUS.lower()
    words = re.findall(r"\w+|[^\w\s]", text)
    for c in sorted({c for w in words for c in w}):
        vocab.setdefault(c, len(vocab))
        vocab.setdefault("##" + c, len(vocab))
    for w, _ in sorted(collections.Counter(words).items(), key=lambda kv: (-kv[1], kv[0]))[:120]:
        vocab.setdefault(w, len(vocab))
    for suffix in ["##s", "##ing", "##ed", "##er", "##ly", "##tion", "##es"]:
        vocab.setdefault(suffix, len(vocab))
    # Accent-stripped forms, as the normalizer produces them.
    for w in ["cafe", "naive", "resume", "uber"]:
        vocab.setdefault(w, len(vocab))
    tok = {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": 128, "strategy": "LongestFirst",
                       "stride": 0},
        "padding": {"strategy": {"Fixed": 128}, "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": [added(vocab[t], t) for t in
                         ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [vocab["[CLS]"]], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [vocab["[SEP]"]], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    config = {"do_lower_case": True, "tokenizer_class": "BertTokenizer", "unk_token": "[UNK]",
              "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]"}
    return tok, config


# ---------------------------------------------------------------------------------------------
# weights
def llama_weights(rng, cfg, dtype):
    d, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = d // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd

    def mat(rows, cols, scale):
        return (rng.standard_normal((rows, cols), dtype=np.float32) * scale).astype(dtype)

    t = {"model.embed_tokens.weight": mat(v, d, 1.0),
         "model.norm.weight": (1.0 + 0.1 * rng.standard_normal(d)).astype(dtype)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        t[p + "input_layernorm.weight"] = (1.0 + 0.1 * rng.standard_normal(d)).astype(dtype)
        t[p + "post_attention_layernorm.weight"] = (1.0 + 0.1 * rng.standard_normal(d)).astype(dtype)
        t[p + "self_attn.q_proj.weight"] = mat(d, d, 1.5 / np.sqrt(d))
        t[p + "self_attn.k_proj.weight"] = mat(kv, d, 1.5 / np.sqrt(d))
        t[p + "self_attn.v_proj.weight"] = mat(kv, d, 1.0 / np.sqrt(d))
        t[p + "self_attn.o_proj.weight"] = mat(d, d, 1.0 / np.sqrt(d))
        t[p + "mlp.gate_proj.weight"] = mat(f, d, 1.0 / np.sqrt(d))
        t[p + "mlp.up_proj.weight"] = mat(f, d, 1.0 / np.sqrt(d))
        t[p + "mlp.down_proj.weight"] = mat(d, f, 1.0 / np.sqrt(f))
    if not cfg["tie_word_embeddings"]:
        t["lm_head.weight"] = mat(v, d, 4.0 / np.sqrt(d))
    return t


def llama_config(vocab, hidden, layers, heads, kv_heads, inter, bos, eos, tie=False):
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
            "intermediate_size": inter, "num_hidden_layers": layers,
            "num_attention_heads": heads, "num_key_value_heads": kv_heads,
            "vocab_size": vocab, "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": tie,
            "bos_token_id": bos, "eos_token_id": eos, "torch_dtype": "float32"}


def write_llama(dirname, tok, tok_cfg, cfg, weights, shards=1):
    os.makedirs(dirname, exist_ok=True)
    write_json(os.path.join(dirname, "config.json"), cfg)
    write_json(os.path.join(dirname, "tokenizer.json"), tok)
    write_json(os.path.join(dirname, "tokenizer_config.json"), tok_cfg)
    if shards == 1:
        write_safetensors(os.path.join(dirname, "model.safetensors"), weights)
        return
    names = sorted(weights)
    weight_map = {}
    for s in range(shards):
        fname = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
        part = {n: weights[n] for n in names[s::shards]}
        write_safetensors(os.path.join(dirname, fname), part)
        weight_map.update({n: fname for n in part})
    total = sum(w.nbytes for w in weights.values())
    write_json(os.path.join(dirname, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map})


def bert_weights(rng, cfg):
    d, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]

    def mat(rows, cols, scale=None):
        scale = scale or 1.0 / np.sqrt(cols)
        return (rng.standard_normal((rows, cols)) * scale).astype(np.float32)

    def vec(n, base=0.0, scale=0.1):
        return (base + scale * rng.standard_normal(n)).astype(np.float32)

    t = {"embeddings.word_embeddings.weight": mat(v, d, 1.0),
         "embeddings.position_embeddings.weight": mat(cfg["max_position_embeddings"], d, 0.5),
         "embeddings.token_type_embeddings.weight": mat(cfg["type_vocab_size"], d, 0.5),
         "embeddings.LayerNorm.weight": vec(d, 1.0), "embeddings.LayerNorm.bias": vec(d),
         "pooler.dense.weight": mat(d, d), "pooler.dense.bias": vec(d)}
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for n in ["attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense"]:
            t[p + n + ".weight"] = mat(d, d)
            t[p + n + ".bias"] = vec(d)
        t[p + "intermediate.dense.weight"] = mat(f, d)
        t[p + "intermediate.dense.bias"] = vec(f)
        t[p + "output.dense.weight"] = mat(d, f)
        t[p + "output.dense.bias"] = vec(d)
        for n in ["attention.output.LayerNorm", "output.LayerNorm"]:
            t[p + n + ".weight"] = vec(d, 1.0)
            t[p + n + ".bias"] = vec(d)
    return t


def main():
    out = sys.argv[1]
    bench = "--bench" in sys.argv[2:]
    rng = np.random.default_rng(20261126)

    tok, tcfg, bos, eos = sentencepiece_bpe_tokenizer(200)
    vocab = len(tok["model"]["vocab"])
    cfg = llama_config(vocab, 64, 2, 4, 2, 128, bos, eos)
    weights = llama_weights(rng, cfg, np.float32)
    write_llama(os.path.join(out, "llama", "tiny-llama"), tok, tcfg, cfg, weights)
    # The same weights in F16, split into two shards with an index (real checkpoints' layout).
    cfg16 = dict(cfg, torch_dtype="float16")
    w16 = {n: w.astype(np.float16) for n, w in weights.items()}
    write_llama(os.path.join(out, "llama", "tiny-llama-f16-sharded"), tok, tcfg, cfg16, w16, 2)

    tok, tcfg, bos, eos = byte_level_bpe_tokenizer(150)
    vocab = len(tok["model"]["vocab"])
    cfg = llama_config(vocab, 48, 2, 6, 2, 96, bos, eos)
    cfg["rope_theta"] = 500000.0
    write_llama(os.path.join(out, "llama", "tiny-llama3"), tok, tcfg, cfg,
                llama_weights(rng, cfg, np.float32))

    tok, tcfg = wordpiece_tokenizer()
    bcfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 32,
            "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
            "vocab_size": len(tok["model"]["vocab"]), "max_position_embeddings": 64,
            "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
    bdir = os.path.join(out, "all-minilm-l6-v2")
    os.makedirs(bdir, exist_ok=True)
    write_json(os.path.join(bdir, "config.json"), bcfg)
    write_json(os.path.join(bdir, "tokenizer.json"), tok)
    write_json(os.path.join(bdir, "tokenizer_config.json"), tcfg)
    write_safetensors(os.path.join(bdir, "model.safetensors"), bert_weights(rng, bcfg))

    if bench:
        # ~100M parameters: 16,384 vocab x 768 (embeddings + head: 25M), 12 layers of 6.3M.
        tok, tcfg, bos, eos = sentencepiece_bpe_tokenizer(400, vocab_size=16384)
        cfg = llama_config(16384, 768, 12, 12, 4, 2048, bos, eos)
        cfg["max_position_embeddings"] = 2048
        write_llama(os.path.join(out, "llama", "bench-100m"), tok, tcfg, cfg,
                    llama_weights(np.random.default_rng(7), cfg, np.float32))
        # all-MiniLM-L6-v2's shape (22M parameters) and Spin's layout: no config.json.
        mcfg = dict(bcfg, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                    intermediate_size=1536, vocab_size=30522, max_position_embeddings=512)
        os.remove(os.path.join(bdir, "config.json"))
        write_safetensors(os.path.join(bdir, "model.safetensors"),
                          bert_weights(np.random.default_rng(8), mcfg))


if __name__ == "__main__":
    main()
