// Builds a JS file into a wasi:http component with the componentize-js pinned by package-lock.json.
//
// Usage: node build.mjs SRC.js OUT.wasm
// First `npm ci` (only when node_modules is missing or older than package-lock.json), then the WIT
// in build/wit: jco's builtin WASI 0.2.12 WIT with versions rewritten to 0.2.10 (the interfaces
// StarlingMonkey exports) and a world `app` that includes wasi:http/proxy@0.2.10.
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, 'node_modules');
const mtime = (p) => stat(p).then((s) => s.mtimeMs, () => -1);

async function installPinned() {
  const installed = await mtime(join(modules, '.package-lock.json'));
  if (installed >= 0 && installed >= (await mtime(join(here, 'package-lock.json')))) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`npm ci failed (exit ${run.status ?? run.error})`);
}

async function prepareWit() {
  const from = join(modules, '@bytecodealliance', 'jco', 'lib', 'wit', 'builtin', '0.2.12');
  const witDir = join(here, 'build', 'wit');
  await rm(witDir, { recursive: true, force: true });
  for (const pkg of (await readdir(from)).sort()) {
    const text = await readFile(join(from, pkg, 'package.wit'), 'utf8');
    await mkdir(join(witDir, 'deps', pkg), { recursive: true });
    await writeFile(join(witDir, 'deps', pkg, 'package.wit'), text.replaceAll('@0.2.12', '@0.2.10'));
  }
  const world = 'package local:app;\n\nworld app {\n  include wasi:http/proxy@0.2.10;\n}\n';
  await writeFile(join(witDir, 'world.wit'), world);
  return witDir;
}

async function main() {
  const [source, out] = process.argv.slice(2).map((p) => p && resolve(p));
  if (!out) throw new Error('usage: node build.mjs SRC.js OUT.wasm');
  await installPinned();
  const witPath = await prepareWit();
  const entry = join(modules, '@bytecodealliance', 'componentize-js', 'src', 'componentize.js');
  const { componentize } = await import(entry);
  const t0 = Date.now();
  const { component } = await componentize({ sourcePath: source, witPath, worldName: 'app' });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(`${out}.tmp`, component);
  await rename(`${out}.tmp`, out);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`build.mjs: ${out} (${component.length} bytes) in ${secs} s`);
}

main().catch((e) => {
  console.error(`build.mjs: ${e.stack ?? e}`);
  process.exit(1);
});
