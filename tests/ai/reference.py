#!/usr/bin/python3
"""Independent reference for tests/ai: Llama and BERT forward passes in numpy (float64).

It reads safetensors with its own parser and recomputes the whole sequence at every step (no KV
cache), so nothing is shared with the C++ engine but the file formats.
"""
import json
import math
import os
import struct

import numpy as np

_NP = {"F32": np.float32, "F16": np.float16, "BF16": None}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[base + b:base + end]
        if e["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_NP[e["dtype"]])
        out[name] = arr.reshape(e["shape"]).astype(np.float64)
    return out


def load_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        weights = {}
        with open(index) as f:
            for shard in sorted(set(json.load(f)["weight_map"].values())):
                weights.update(load_safetensors(os.path.join(model_dir, shard)))
        return weights
    return load_safetensors(os.path.join(model_dir, "model.safetensors"))


class Llama:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            self.cfg = json.load(f)
        self.w = load_weights(model_dir)
        c = self.cfg
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads", self.heads)
        self.hd = c.get("head_dim", c["hidden_size"] // self.heads)
        self.eps = c.get("rms_norm_eps", 1e-6)
        theta = c.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / theta ** (np.arange(0, self.hd, 2, dtype=np.float64) / self.hd)
        self.head = self.w.get("lm_head.weight", self.w["model.embed_tokens.weight"])
        eos = c.get("eos_token_id")
        self.eos = set(eos if isinstance(eos, list) else [eos])

    def rms(self, x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * w

    def rope(self, x, pos):  # x: [T, heads, hd]
        ang = pos[:, None] * self.inv_freq[None, :]
        cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        half = self.hd // 2
        a, b = x[..., :half], x[..., half:]
        return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)

    def logits(self, ids):
        w, T = self.w, len(ids)
        x = w["model.embed_tokens.weight"][ids]
        pos = np.arange(T, dtype=np.float64)
        mask = np.triu(np.full((T, T), -np.inf), 1)
        group = self.heads // self.kv_heads
        for i in range(self.cfg["num_hidden_layers"]):
            p = "model.layers.%d." % i
            h = self.rms(x, w[p + "input_layernorm.weight"])
            q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(T, self.heads, self.hd)
            k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(T, self.kv_heads, self.hd)
            v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(T, self.kv_heads, self.hd)
            q, k = self.rope(q, pos), self.rope(k, pos)
            k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
            s = np.einsum("thd,jhd->htj", q, k) / math.sqrt(self.hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            att = np.einsum("htj,jhd->thd", s, v).reshape(T, -1)
            x = x + att @ w[p + "self_attn.o_proj.weight"].T
            h = self.rms(x, w[p + "post_attention_layernorm.weight"])
            g = h @ w[p + "mlp.gate_proj.weight"].T
            u = h @ w[p + "mlp.up_proj.weight"].T
            x = x + ((g / (1 + np.exp(-g))) * u) @ w[p + "mlp.down_proj.weight"].T
        return self.rms(x[-1], w["model.norm.weight"]) @ self.head.T

    def greedy(self, ids, max_tokens, repeat_penalty=1.0, last_n=64):
        """Greedy decoding with Spin's repeat penalty; returns (tokens, smallest top-2 gap)."""
        ids, out, gap = list(ids), [], float("inf")
        for _ in range(max_tokens):
            lg = self.logits(ids)
            if repeat_penalty != 1.0:
                for t in set(ids[-last_n:] if last_n else []):
                    lg[t] = lg[t] / repeat_penalty if lg[t] >= 0 else lg[t] * repeat_penalty
            top = np.sort(lg)[-2:]
            gap = min(gap, top[1] - top[0])
            nxt = int(np.argmax(lg))
            if nxt in self.eos:
                break
            out.append(nxt)
            ids.append(nxt)
        return out, gap


class Bert:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            self.cfg = json.load(f)
        self.w = load_weights(model_dir)

    def ln(self, x, p):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        eps = self.cfg.get("layer_norm_eps", 1e-12)
        return (x - m) / np.sqrt(v + eps) * self.w[p + ".weight"] + self.w[p + ".bias"]

    def lin(self, x, p):
        return x @ self.w[p + ".weight"].T + self.w[p + ".bias"]

    def embed(self, ids):
        w, T = self.w, len(ids)
        heads = self.cfg["num_attention_heads"]
        d = self.cfg["hidden_size"]
        hd = d // heads
        x = (w["embeddings.word_embeddings.weight"][ids] +
             w["embeddings.position_embeddings.weight"][:T] +
             w["embeddings.token_type_embeddings.weight"][0])
        x = self.ln(x, "embeddings.LayerNorm")
        for i in range(self.cfg["num_hidden_layers"]):
            p = "encoder.layer.%d." % i
            q = self.lin(x, p + "attention.self.query").reshape(T, heads, hd)
            k = self.lin(x, p + "attention.self.key").reshape(T, heads, hd)
            v = self.lin(x, p + "attention.self.value").reshape(T, heads, hd)
            s = np.einsum("thd,jhd->htj", q, k) / math.sqrt(hd)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = np.einsum("htj,jhd->thd", s, v).reshape(T, d)
            x = self.ln(x + self.lin(ctx, p + "attention.output.dense"),
                        p + "attention.output.LayerNorm")
            inter = self.lin(x, p + "intermediate.dense")
            inter = 0.5 * inter * (1 + np.vectorize(math.erf)(inter / math.sqrt(2)))
            x = self.ln(x + self.lin(inter, p + "output.dense"), p + "output.LayerNorm")
        e = x.mean(0)
        return e / np.linalg.norm(e)
