#!/usr/bin/env python3
"""Soak: `tern up` under mixed well-behaved and hostile traffic for N minutes (not run in CI).

Serves the hostile suite's app (tests/hostile/app, built by CMake into build/tests/hostile/app)
with the suite's node limits, then for --minutes sends --rate requests/s in total: a --hostile
share to the hostile components (in turn: infinite loop, memory.grow bomb, recursion, OOB load,
1 GiB stdout, 10,000 opens, path escapes, 1 MiB headers, proc_exit mid-response), the rest to the
well-behaved /ok over keep-alive connections. Every --sample seconds it prints one line: requests,
errors, p50/p99 latency of the well-behaved requests in that window, hostile requests contained
(5xx) or not, the server's RSS (/proc/PID/status VmRSS) and fd count. The first --warmup seconds
(default 20) are the same traffic, marked "(warm-up)": each loop thread's stack and malloc arena
reach their working size there. The closing note gives total errors (target 0), RSS growth from the
first sample after warm-up (target < 5%) and the p99 over time.

  bench/soak.py                                 # 10 minutes at 200 req/s, 5% hostile
  bench/soak.py --minutes 2 --rate 150
  bench/soak.py --rate auto                     # 80% of the max req/s wrk measures on /ok
Requests are paced by Python threads; above ~1,000 req/s the client, not tern, is the limit (the
closing note says when the achieved rate fell short). Loopback only; tern is stopped by its PID.
"""
import argparse
import http.client
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "hostile"))
import run_hostile as suite  # noqa: E402  (start_tern, request, HOSTILE, TERN_ARGS, /proc readers)


class Window:
    """Counters for one sampling window; swapped out under the lock by the sampler."""

    def __init__(self):
        self.ok = 0
        self.errors = 0
        self.samples = []
        self.latencies = []
        self.hostile = 0
        self.contained = 0
        self.uncontained = []


def measure_max_rate(port, seconds=5):
    """Max req/s wrk reaches on /ok (2 threads, 16 connections)."""
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", f"http://127.0.0.1:{port}/ok"],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise SystemExit("soak: could not read wrk's Requests/sec:\n" + out)
    return float(m.group(1))


def well_behaved(port, rate, stop, lock, state):
    conn, interval, next_at = None, 1.0 / rate, time.monotonic()
    while not stop.is_set():
        t0 = time.monotonic()
        why = None
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            conn.request("GET", "/ok")
            r = conn.getresponse()
            data = r.read()
            if r.status != 200 or data != b"ok\n":
                why = f"status {r.status} {data[:60]!r}"
        except (OSError, http.client.HTTPException) as e:
            why = f"{type(e).__name__}: {e}"
            if conn:
                conn.close()
            conn = None
        dt = time.monotonic() - t0
        with lock:
            w = state["window"]
            if why:
                w.errors += 1
                if len(w.samples) < 3:
                    w.samples.append(why)
            else:
                w.ok += 1
                w.latencies.append(dt)
        next_at += interval
        pause = next_at - time.monotonic()
        if pause > 0:
            stop.wait(pause)
        else:
            next_at = time.monotonic()  # behind: do not burst to catch up
    if conn:
        conn.close()


def hostile(port, rate, stop, lock, state, offset):
    interval, next_at, i = 1.0 / rate, time.monotonic(), offset
    while not stop.is_set():
        path, deadline, want, _ = suite.HOSTILE[i % len(suite.HOSTILE)]
        i += 1
        try:
            status, _, _, dt = suite.request(port, path)
            good = 500 <= status < 600
            why = f"{path}: {status} after {dt * 1000:.0f} ms"
        except (OSError, http.client.HTTPException) as e:
            good, why = False, f"{path}: {type(e).__name__}: {e}"
        with lock:
            w = state["window"]
            w.hostile += 1
            if good:
                w.contained += 1
            elif len(w.uncontained) < 3:
                w.uncontained.append(why)
        next_at += interval
        pause = next_at - time.monotonic()
        if pause > 0:
            stop.wait(pause)
        else:
            next_at = time.monotonic()


def pct(sorted_values, q):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))] * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tern", default=os.path.join(ROOT, "build", "tern"))
    ap.add_argument("--app", default=os.path.join(ROOT, "build", "tests", "hostile", "app"))
    ap.add_argument("--cache", default="/tmp/tern-soak-cache")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", default="200", help="total req/s, or `auto` (80%% of wrk's max)")
    ap.add_argument("--hostile", type=float, default=0.05, help="share of hostile requests")
    ap.add_argument("--sample", type=float, default=10, help="seconds per sample")
    ap.add_argument("--warmup", type=float, default=20,
                    help="seconds of the same traffic before the RSS baseline (thread stacks and "
                    "malloc arenas reach their working size)")
    ap.add_argument("--connections", type=int, default=8, help="well-behaved client threads")
    args = ap.parse_args()

    proc, port, err_path = suite.start_tern(args.tern, args.app, args.cache, suite.TERN_ARGS)
    try:
        if args.rate == "auto":
            top = measure_max_rate(port)
            rate = 0.8 * top
            print(f"wrk max on /ok: {top:.0f} req/s; soaking at 80%: {rate:.0f} req/s")
        else:
            rate = float(args.rate)
        hostile_rate = rate * args.hostile
        good_rate = rate - hostile_rate
        lock, stop = threading.Lock(), threading.Event()
        state = {"window": Window()}
        threads = [threading.Thread(target=well_behaved,
                                    args=(port, good_rate / args.connections, stop, lock, state))
                   for _ in range(args.connections)]
        if hostile_rate > 0:
            # Two hostile clients so one guest at its deadline does not stall the other's turn.
            threads += [threading.Thread(target=hostile,
                                         args=(port, hostile_rate / 2, stop, lock, state, k * 4))
                        for k in range(2)]
        for t in threads:
            t.start()
        print(f"soak: {args.minutes:g} min, {good_rate:.0f} well-behaved + {hostile_rate:.1f} "
              f"hostile req/s, pid {proc.pid}, port {port}")
        print(f"{'t(s)':>6} {'ok':>7} {'err':>4} {'p50ms':>7} {'p99ms':>7} {'hostile':>7} "
              f"{'5xx':>5} {'RSS(kB)':>9} {'fds':>4}")
        start, totals, rss_series, p99_series = time.time(), Window(), [], []
        end = start + args.warmup + args.minutes * 60
        while time.time() < end and proc.poll() is None:
            time.sleep(min(args.sample, max(0.0, end - time.time())))
            with lock:
                w, state["window"] = state["window"], Window()
            lat = sorted(w.latencies)
            rss, fds = suite.rss_kb(proc.pid), suite.fd_count(proc.pid)
            warming = time.time() - start < args.warmup - 0.5
            if not warming:
                rss_series.append(rss)
                p99_series.append(pct(lat, 0.99))
            totals.ok += w.ok
            totals.errors += w.errors
            totals.hostile += w.hostile
            totals.contained += w.contained
            print(f"{time.time() - start:6.0f} {w.ok:7d} {w.errors:4d} {pct(lat, 0.5):7.1f} "
                  f"{pct(lat, 0.99):7.1f} {w.hostile:7d} {w.contained:5d} {rss:9d} {fds:4d}"
                  + ("  (warm-up)" if warming else ""), flush=True)
            for s in w.samples + w.uncontained:
                print(f"       ! {s}", flush=True)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        elapsed = time.time() - start
        alive = proc.poll() is None
    finally:
        rc = suite.stop_tern(proc)
    achieved = (totals.ok + totals.errors + totals.hostile) / max(elapsed, 1e-9)
    growth = (rss_series[-1] - rss_series[0]) / rss_series[0] * 100 if rss_series else 0.0
    print("\nclosing note")
    print(f"  duration {elapsed:.0f} s ({args.warmup:g} s warm-up); achieved {achieved:.0f} req/s "
          f"of {rate:.0f} asked" + ("" if achieved >= 0.95 * rate else
                                    " (paced clients fell behind: slow responses or client-bound)"))
    print(f"  well-behaved: {totals.ok} ok, {totals.errors} errors (target 0)")
    print(f"  hostile: {totals.hostile} sent, {totals.contained} ended 5xx, "
          f"{totals.hostile - totals.contained} not contained (target 0)")
    print(f"  RSS: first sample after warm-up {rss_series[0] if rss_series else 0} kB, last "
          f"{rss_series[-1] if rss_series else 0} kB, growth {growth:+.1f}% (target < 5%); "
          f"max {max(rss_series) if rss_series else 0} kB")
    print("  p99 (ms) per window after warm-up: " + " ".join(f"{p:.0f}" for p in p99_series))
    print(f"  tern {'served to the end' if alive else 'DIED'}; exit status {rc} after SIGTERM")
    bad = totals.errors or totals.hostile != totals.contained or not alive or rc != 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
