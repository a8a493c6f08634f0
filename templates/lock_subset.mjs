// Prints a package-lock.json holding only the given root dependencies of a lock file and everything
// they need (same paths, versions and integrity). Usage: node lock_subset.mjs LOCK NAME PKG...
import { readFileSync } from 'node:fs';
const [lockPath, name, ...roots] = process.argv.slice(2);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const pk = lock.packages;
const keep = new Set();
function resolveDep(from, dep) {
  let base = from;
  for (;;) {
    const p = (base ? base + '/' : '') + 'node_modules/' + dep;
    if (pk[p]) return p;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}
function visit(p) {
  if (keep.has(p)) return;
  keep.add(p);
  const e = pk[p];
  for (const d of Object.keys({ ...e.dependencies, ...e.optionalDependencies, ...e.peerDependencies })) {
    const r = resolveDep(p, d);
    if (r) visit(r);
    else if (!(e.optionalDependencies && d in e.optionalDependencies) && !(e.peerDependenciesMeta?.[d]?.optional)) throw new Error(`${p}: ${d} missing`);
  }
}
const deps = {};
for (const r of roots) { const p = 'node_modules/' + r; visit(p); deps[r] = pk[p].version; }
const out = { name, lockfileVersion: lock.lockfileVersion, requires: true, packages: { '': { name, dependencies: deps } } };
for (const p of Object.keys(pk).filter((p) => keep.has(p)).sort()) out.packages[p] = pk[p];
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
