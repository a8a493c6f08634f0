#!/usr/bin/env python3
"""Hostile guest suite: hostile requests under `tern up` while well-behaved load runs beside them.

The app (app/spin.toml, guests built by CMake into --app) has one well-behaved component (/ok) and
one component per hostile guest. The run:
  1. start `tern up` on an ephemeral loopback port;
  2. warm up: well-behaved load for a while plus one pass of every hostile request, then record the
     server's RSS (/proc/PID/status VmRSS) and open fd count (/proc/PID/fd);
  3. with a load generator (a separate process, so its GIL does not skew our timings) sending
     GET /ok over keep-alive connections, send every hostile request PASSES times, one at a time
     on a fresh connection; then a burst at the `max_concurrent = 1` component and an oversized
     body at the component with a small `max_request_body`;
  4. stop the load and check: every hostile request got its expected 5xx within its deadline +
     100 ms; the burst saw a 503 with Retry-After; the load saw 0 errors; RSS is back within 10%
     of the warm-up value and the fd count is unchanged; tern exits 0 on SIGTERM.
Loopback only; every loop is bounded; tern is stopped by its PID.

By hand: python3 tests/hostile/run_hostile.py --tern build/tern --app build/tests/hostile/app
         --cache /tmp/tern-hostile-cache
Also the load-worker entry (--load-worker) that bench/soak.py reuses.
"""
import argparse
import http.client
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time

# Node defaults for the run; components override some in app/spin.toml ([component.<id>.tern]).
TERN_ARGS = ["--threads", "4", "--request-timeout", "2s", "--max-instance-memory", "64MiB",
             "--max-output", "16MiB", "--max-concurrent", "64", "--queue-length", "2",
             "--queue-timeout", "200ms"]

# (path, deadline in seconds, expected status, what it does)
HOSTILE = [
    ("/loop", 0.5, 504, "infinite loop"),
    ("/grow", 2.0, 500, "memory.grow bomb"),
    ("/recurse", 2.0, 500, "unbounded recursion"),
    ("/oob", 2.0, 500, "out-of-bounds load"),
    ("/stdout-1g", 2.0, 500, "1 GiB to stdout"),
    ("/open-10k", 2.0, 500, "opens 10,000 files"),
    ("/path-escape", 2.0, 500, "path escapes"),
    ("/big-headers", 2.0, 500, "1 MiB of response headers"),
    ("/exit-mid", 2.0, 500, "proc_exit mid-response"),
    ("/stream-trap", 2.0, 500, "trap halfway through a streamed wasi:http response"),
    ("/outbound-denied", 2.0, 502, "outbound HTTP to a denied host (wasi:http)"),
    ("/unfinished", 2.0, 500, "returns without finishing its wasi:http response body"),
]
SLACK_S = 0.1  # --slack-ms
PASSES = 3
WARMUP_PASSES = 24  # per case; a loop thread missed by all of them has odds 4 * (3/4)^24 < 0.5%
BURST = 8  # concurrent requests at /capped (max_concurrent = 1)


class Failure(Exception):
    pass


def start_tern(tern, app, cache, extra=()):
    """Starts `tern up` on 127.0.0.1:0; returns (proc, port, stderr_path)."""
    err_path = os.path.join(cache, "tern.stderr")
    os.makedirs(cache, exist_ok=True)
    err = open(err_path, "wb")
    env = dict(os.environ, TERN_CACHE_DIR=cache)
    if "ASAN_OPTIONS" in env:
        # Under ASan (make test-asan) freed memory stays resident in its quarantine, 256 MB by
        # default, filled by this run's frees: the RSS check would measure ASan, not tern (+12%
        # seen with the quarantine, +0.3% without). 8 MB still catches a use right after a free.
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=8"
    proc = subprocess.Popen([tern, "up", "-f", app, "--listen", "127.0.0.1:0", *extra],
                            stdout=subprocess.PIPE, stderr=err, env=env)
    deadline = time.time() + 120  # the first start compiles every guest
    while time.time() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline().decode()
        if not line:
            break
        m = re.match(r"Serving http://127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1)), err_path
    stop_tern(proc)
    raise Failure("tern did not start:\n" + open(err_path, errors="replace").read())


def stop_tern(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Failure("no VmRSS for tern")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def request(port, path, method="GET", body=None, timeout=15):
    """One request on a fresh connection: (status, headers dict, body bytes, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        t0 = time.monotonic()
        conn.request(method, path, body=body, headers={"Connection": "close"})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data, time.monotonic() - t0
    finally:
        conn.close()


# ---- load worker: a separate process; stops when its stdin closes, prints JSON stats ----------

def load_worker(port, path, connections, rate, expect_body):
    stop = threading.Event()
    lock = threading.Lock()
    stats = {"ok": 0, "errors": 0, "error_samples": [], "latencies": []}
    interval = connections / rate if rate > 0 else 0.0

    def worker():
        conn = None
        next_at = time.monotonic()
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                conn.request("GET", path)
                r = conn.getresponse()
                data = r.read()
                good = r.status == 200 and data == expect_body
                why = f"status {r.status} body {data[:60]!r}"
            except (OSError, http.client.HTTPException) as e:
                good, why = False, f"{type(e).__name__}: {e}"
                if conn:
                    conn.close()
                conn = None
            dt = time.monotonic() - t0
            with lock:
                if good:
                    stats["ok"] += 1
                    stats["latencies"].append((time.time(), dt))
                else:
                    stats["errors"] += 1
                    if len(stats["error_samples"]) < 10:
                        stats["error_samples"].append(why)
            next_at += interval
            pause = next_at - time.monotonic()
            if pause > 0:
                stop.wait(pause)
            else:
                next_at = time.monotonic()
        if conn:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    sys.stdin.read()  # until the parent closes our stdin
    stop.set()
    for t in threads:
        t.join(timeout=20)
    json.dump(stats, sys.stdout)
    return 0


class Load:
    """Runs load_worker in a child process."""

    def __init__(self, port, path="/ok", connections=4, rate=200, expect_body=b"ok\n"):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--load-worker", str(port), path,
             str(connections), str(rate), expect_body.decode()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def stop(self):
        out, _ = self.proc.communicate(timeout=60)
        return json.loads(out)


# ---- the suite -----------------------------------------------------------------------------

def hostile_pass(port, timed, skip=()):
    """Every hostile request once; returns a list of problems."""
    problems = []
    for path, deadline, want, what in HOSTILE:
        if path in skip:
            continue
        try:
            status, _, body, dt = request(port, path)
        except (OSError, http.client.HTTPException) as e:
            problems.append(f"{path} ({what}): no response: {e}")
            continue
        if status != want or not 500 <= status < 600:
            problems.append(f"{path} ({what}): status {status}, expected {want}: {body[:200]!r}")
        if timed and dt > deadline + SLACK_S:
            problems.append(f"{path} ({what}): ended after {dt * 1000:.0f} ms, deadline "
                            f"{deadline * 1000:.0f} ms + {SLACK_S * 1000:.0f} ms")
        if timed:
            print(f"  {path:<14} {status} in {dt * 1000:6.1f} ms  ({what})", flush=True)
    return problems


def burst(port):
    """BURST concurrent requests at /capped (max_concurrent = 1): some must get 503 + Retry-After."""
    results = [None] * BURST

    def one(i):
        try:
            results[i] = request(port, "/capped")
        except (OSError, http.client.HTTPException) as e:
            results[i] = (None, {}, str(e).encode(), 0.0)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(BURST)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = [r[0] for r in results if r]
    problems = []
    if any(s not in (503, 504) for s in statuses) or len(statuses) != BURST:
        problems.append(f"/capped burst: statuses {statuses}, expected only 503 and 504")
    busy = [r for r in results if r and r[0] == 503]
    if not busy:
        problems.append(f"/capped burst: no 503 among {statuses}")
    elif not all(r[1].get("retry-after", "").isdigit() for r in busy):
        problems.append("/capped burst: a 503 without a numeric Retry-After")
    if 504 not in statuses:
        problems.append(f"/capped burst: nothing ran to its deadline: {statuses}")
    print(f"  /capped burst of {BURST}: {statuses.count(503)} x 503, {statuses.count(504)} x 504",
          flush=True)
    return problems


def body_cap(port):
    status, _, _, _ = request(port, "/small-body", "POST", b"x" * 2048)
    small, _, body, _ = request(port, "/small-body", "POST", b"x" * 100)
    problems = []
    if status != 413:
        problems.append(f"/small-body with 2 KiB: status {status}, expected 413")
    if small != 200 or body != b"ok\n":
        problems.append(f"/small-body with 100 bytes: status {small}, expected 200")
    return problems


def settle(pid, want_fds, base_rss, limit_s=5.0):
    """Waits (bounded) for the fd count and RSS to come back; returns (fds, rss)."""
    end = time.time() + limit_s
    while True:
        fds, rss = fd_count(pid), rss_kb(pid)
        if (fds == want_fds and rss <= base_rss * 1.10) or time.time() > end:
            return fds, rss
        time.sleep(0.2)


def run_suite(args):
    t_start = time.time()
    proc, port, err_path = start_tern(args.tern, args.app, args.cache, TERN_ARGS)
    problems = []
    try:
        # Warm-up: pools, malloc arenas and thread stacks reach their working size. Guests run on
        # the loop threads' own stacks, so each thread's stack is touched to its depth once by the
        # recursion guest: WARMUP_PASSES fresh connections spread each case over every thread.
        load = Load(port)
        time.sleep(1.0)
        for _ in range(WARMUP_PASSES):
            hostile_pass(port, timed=False, skip=("/loop",))
        hostile_pass(port, timed=False)
        burst(port)
        body_cap(port)
        warm = load.stop()
        if warm["errors"]:
            problems.append(f"warm-up load: {warm['errors']} errors: {warm['error_samples']}")
        time.sleep(0.5)
        base_fds, base_rss = fd_count(proc.pid), rss_kb(proc.pid)
        print(f"after warm-up: RSS {base_rss} kB, {base_fds} fds", flush=True)

        load = Load(port)
        time.sleep(0.5)
        for i in range(PASSES):
            print(f"pass {i + 1}/{PASSES}", flush=True)
            problems += hostile_pass(port, timed=True)
        problems += burst(port)
        problems += body_cap(port)
        time.sleep(0.5)
        stats = load.stop()
        lat = sorted(d for _, d in stats["latencies"])
        p99 = lat[int(len(lat) * 0.99)] * 1000 if lat else 0.0
        print(f"well-behaved load: {stats['ok']} ok, {stats['errors']} errors, "
              f"p99 {p99:.1f} ms, max {lat[-1] * 1000 if lat else 0:.1f} ms", flush=True)
        if stats["errors"]:
            problems.append(f"well-behaved load saw {stats['errors']} errors: "
                            f"{stats['error_samples']}")
        if stats["ok"] == 0:
            problems.append("well-behaved load sent nothing")

        fds, rss = settle(proc.pid, base_fds, base_rss)
        growth = (rss - base_rss) / base_rss * 100
        print(f"after the run: RSS {rss} kB ({growth:+.1f}%), {fds} fds", flush=True)
        if rss > base_rss * 1.10:
            problems.append(f"RSS {rss} kB is more than 10% above the warm-up {base_rss} kB")
        if fds != base_fds:
            problems.append(f"fd count {fds}, was {base_fds} after warm-up")
        if proc.poll() is not None:
            problems.append(f"tern died with status {proc.returncode}")
    finally:
        rc = stop_tern(proc)
    if rc != 0:
        problems.append(f"tern exited with {rc} after SIGTERM")
    log = open(err_path, errors="replace").read()
    if problems:
        tail = "\n".join(log.splitlines()[-40:])
        print("--- tern stderr (tail) ---\n" + tail)
    for p in problems:
        print("FAIL " + p)
    print(f"hostile: {'FAILED' if problems else 'passed'} ({len(problems)} problems, "
          f"{time.time() - t_start:.1f}s)")
    return 1 if problems else 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--load-worker":
        port, path, conns, rate, body = sys.argv[2:7]
        return load_worker(int(port), path, int(conns), float(rate), body.encode())
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", required=True)
    ap.add_argument("--app", required=True, help="folder with spin.toml and the built guests")
    ap.add_argument("--cache", required=True, help="artifact cache and log folder for tern")
    ap.add_argument("--slack-ms", type=float, default=100,
                    help="how far past its deadline a hostile request may end (default 100)")
    args = ap.parse_args()
    global SLACK_S
    SLACK_S = args.slack_ms / 1000
    return run_suite(args)


if __name__ == "__main__":
    sys.exit(main())
