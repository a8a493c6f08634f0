#!/usr/bin/python3
"""ctest ai_reference: the C++ engine (ai_cli) against independent references.

Tokenization: Hugging Face Tokenizers.js (node) must give the same ids and decoded text.
Llama: greedy decoding (with and without repeat penalty) must give the same tokens as the numpy
reference, for every prompt. BERT: embeddings within 1e-4 of numpy. Usage:
    check_reference.py AI_CLI MODELS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import reference

HERE = os.path.dirname(os.path.abspath(__file__))
PROMPTS = [
    "The edge runs small",
    "Tokens are pieces of words: the tokenizer",
    "Café naïve 東京 $9.99 2026-11-26!? résumé",
    "  two  spaces\nand a newline\tand a tab",
    "unknownword zzq \U0001F600 emoji",
    "<s> a literal special token",
]
TEXTS = PROMPTS + ["Vectors that point the same way mean the same thing.", "über alles"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(cmd):
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def tokenizers_js(model_dir, texts_file):
    return run(["node", os.path.join(HERE, "tokenize_ref.mjs"), model_dir, texts_file])


def main():
    cli, models = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp()
    texts_file = os.path.join(tmp, "texts.json")
    with open(texts_file, "w") as f:
        json.dump(TEXTS, f)
    prompts_file = os.path.join(tmp, "prompts.json")
    with open(prompts_file, "w") as f:
        json.dump(PROMPTS, f)
    for name in ["tiny-llama", "tiny-llama-f16-sharded", "tiny-llama3"]:
        mdir = os.path.join(models, "llama", name)
        js = tokenizers_js(mdir, texts_file)
        ours = run([cli, "tokenize", os.path.join(mdir, "tokenizer.json"), texts_file])
        for text, a, b in zip(TEXTS, ours, js):
            check(a["ids"] == b["ids"], "%s: ids of %r: %s vs Tokenizers.js %s" %
                  (name, text, a["ids"], b["ids"]))
            check(a["decoded"] == b["decoded"], "%s: decode of %r: %r vs %r" %
                  (name, text, a["decoded"], b["decoded"]))
        ref = reference.Llama(mdir)
        for penalty in [1.0, 1.3]:
            out = run([cli, "infer", models, name, prompts_file, "--max-tokens", "12",
                       "--temperature", "0", "--repeat-penalty", str(penalty)])
            for prompt, got, tok in zip(PROMPTS, out, js):
                want, gap = ref.greedy(tok["ids"], 12, penalty, 64)
                check(gap > 1e-3, "%s: %r: top-2 logit gap %.2g too small to compare" %
                      (name, prompt, gap))
                check(got["prompt_ids"] == tok["ids"], "%s: prompt ids of %r" % (name, prompt))
                check(got["ids"] == want, "%s penalty %.1f: %r: %s vs numpy %s" %
                      (name, penalty, prompt, got["ids"], want))
        print("%s: tokenizer and greedy decoding match (%d prompts x 2 penalties)" %
              (name, len(PROMPTS)))
    bdir = os.path.join(models, "all-minilm-l6-v2")
    js = tokenizers_js(bdir, texts_file)
    out = run([cli, "embed", models, "all-minilm-l6-v2", texts_file])
    bert = reference.Bert(bdir)
    worst = 0.0
    for text, tok, got_ids, emb in zip(TEXTS, js, out["ids"], out["embeddings"]):
        check(got_ids == tok["ids"], "bert ids of %r: %s vs %s" % (text, got_ids, tok["ids"]))
        diff = float(np.max(np.abs(np.array(emb) - bert.embed(tok["ids"]))))
        worst = max(worst, diff)
        check(diff <= 1e-4, "embedding of %r differs by %.3g" % (text, diff))
    print("all-minilm-l6-v2: %d embeddings, max |diff| %.2e" % (len(TEXTS), worst))
    passed = 1 if not failures else 0
    print("ai_reference: %d passed, %d failed" % (passed, 1 - passed))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
