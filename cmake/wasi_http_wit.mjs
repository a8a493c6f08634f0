// Writes one WIT file for C guests of wasi:http (examples/common/tern_http.c): the world
// `http-handler` (exports wasi:http/incoming-handler, imports wasi:http/outgoing-handler) followed
// by the WASI packages it uses as nested packages, read from the shared WASI 0.2 WIT definitions.
// componentEmbed takes WIT as one source text, so the packages' own worlds are left out.
// Usage: node wasi_http_wit.mjs WASI_WIT_DIR OUT
import { readFileSync, writeFileSync } from 'node:fs';

const [, , root, out] = process.argv;

// Removes every `world name { ... }` (with its @since/@unstable gates) from a package's text.
function withoutWorlds(src) {
  const re = /((?:@[a-z]+\([^)]*\)\s*)*)world\s+[a-z0-9-]+\s*\{/g;
  let kept = '';
  let from = 0;
  for (let m; (m = re.exec(src));) {
    kept += src.slice(from, m.index);
    let depth = 1;
    let i = re.lastIndex;
    for (; depth > 0; ++i) {
      if (i >= src.length) throw new Error('unbalanced braces in a world');
      if (src[i] === '{') ++depth;
      else if (src[i] === '}') --depth;
    }
    from = re.lastIndex = i;
  }
  return kept + src.slice(from);
}

let text = `package tern:guest;

world http-handler {
  import wasi:http/outgoing-handler@0.2.12;
  export wasi:http/incoming-handler@0.2.12;
}
`;
for (const dir of ['wasi-io', 'wasi-clocks', 'wasi-http']) {
  const src = readFileSync(`${root}/${dir}/package.wit`, 'utf8');
  const decl = src.match(/package\s+([^;]+);/);
  if (!decl) throw new Error(`${dir}: no package declaration`);
  text += `package ${decl[1]} {\n${withoutWorlds(src.replace(decl[0], ''))}\n}\n`;
}
writeFileSync(out, text);
