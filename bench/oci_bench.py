"""Push/pull timings of a Spin app through a loopback docker-registry: `tern registry push`,
`tern registry pull` on a clean cache, on a cache holding the layers (new folder: layers skipped
by digest) and on a laid-out app (folder reused); skopeo copy of the same artifact is the peer.
Usage: bench/oci_bench.py --tern build/tern --wasm build/tests/fixtures/js/hello.wasm [--runs 5]"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "oci"))
from registry import Registry  # noqa: E402


def timed(argv, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    ms = (time.perf_counter() - t0) * 1000
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {p.stderr}")
    return ms, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", required=True)
    ap.add_argument("--wasm", required=True, help="the app's component (e.g. the 13 MB JS hello)")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tern-oci-bench-")
    app = os.path.join(tmp, "app")
    os.makedirs(app)
    shutil.copy(a.wasm, os.path.join(app, "app.wasm"))
    with open(os.path.join(app, "spin.toml"), "w") as f:
        f.write('spin_manifest_version = 2\n[application]\nname = "bench"\n'
                '[[trigger.http]]\nroute = "/..."\ncomponent = "app"\n'
                '[component.app]\nsource = "app.wasm"\n')
    size_mb = os.path.getsize(a.wasm) / 1e6
    res = {k: [] for k in ("push", "pull_clean", "pull_cached_layers", "pull_reused", "skopeo")}
    try:
        for i in range(a.runs):
            reg = Registry(os.path.join(tmp, f"reg{i}"))  # a fresh registry: a real first push
            try:
                ref = f"{reg.host}/bench/app:v1"
                ms, _ = timed([a.tern, "registry", "push", "-k", "-f", app, ref])
                res["push"].append(ms)
                cache = os.path.join(tmp, f"cache{i}")
                ms, _ = timed([a.tern, "registry", "pull", "-k", ref, "--cache-dir", cache])
                res["pull_clean"].append(ms)
                ms, out = timed([a.tern, "registry", "pull", "-k", ref, "--cache-dir", cache,
                                 "--output", os.path.join(tmp, f"out{i}")])
                assert "0 layers fetched" in out, out
                res["pull_cached_layers"].append(ms)
                ms, out = timed([a.tern, "registry", "pull", "-k", ref, "--cache-dir", cache])
                assert "folder reused" in out, out
                res["pull_reused"].append(ms)
                ms, _ = timed(["skopeo", "copy", "--src-tls-verify=false", f"docker://{ref}",
                               f"dir:{os.path.join(tmp, f'skopeo{i}')}"])
                res["skopeo"].append(ms)
            finally:
                reg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"app: {a.wasm} ({size_mb:.1f} MB), {a.runs} runs, loopback docker-registry")
    print("| step | median ms | min | max |\n|---|--:|--:|--:|")
    for k, v in res.items():
        print(f"| {k} | {statistics.median(v):.1f} | {min(v):.1f} | {max(v):.1f} |")
    print(f"tern pull (clean) / skopeo copy: "
          f"{statistics.median(res['pull_clean']) / statistics.median(res['skopeo']):.2f}x")


if __name__ == "__main__":
    main()
