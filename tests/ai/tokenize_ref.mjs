// Independent tokenizer reference: encodes/decodes texts with Hugging Face's Tokenizers.js.
// Usage: node tokenize_ref.mjs MODEL_DIR TEXTS.json  -> JSON [{ids, decoded}] on stdout.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Tokenizer } = require("./npm/node_modules/@huggingface/tokenizers");
const [dir, textsFile] = process.argv.slice(2);
const json = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
const cfgPath = join(dir, "tokenizer_config.json");
const cfg = existsSync(cfgPath) ? JSON.parse(readFileSync(cfgPath, "utf8")) : {};
const tok = new Tokenizer(json, cfg);
const texts = JSON.parse(readFileSync(textsFile, "utf8"));
const out = texts.map((t) => {
  const ids = tok.encode(t).ids;
  return { ids, decoded: tok.decode(ids, { skip_special_tokens: true }) };
});
process.stdout.write(JSON.stringify(out));
