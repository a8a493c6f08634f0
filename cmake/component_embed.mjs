// Embeds a WIT world (component-type custom section) into a core Wasm module with jco's
// componentEmbed, reading the WIT as source text (the `jco embed --wit PATH` command cannot read
// host paths from its sandbox). Usage: node component_embed.mjs NODE_MODULES CORE WIT WORLD OUT
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const [, , modules, core, wit, world, out] = process.argv;
const api = pathToFileURL(`${modules}/@bytecodealliance/jco/dist/api.js`);
const { componentEmbed } = await import(api);
const bytes = await componentEmbed({
  binary: await readFile(core),
  witSource: await readFile(wit, 'utf8'),
  world,
});
await writeFile(out, bytes);
