#!/usr/bin/env python3
"""Soak: `tern up` under mixed well-behaved and hostile traffic for N minutes (not run in CI).

Serves the hostile suite's app (tests/hostile/app, built by CMake into build/tests/hostile/app)
with the suite's node limits. It first measures the max req/s wrk reaches on the well-behaved /ok,
then for --minutes sends:
  - the bulk well-behaved load with wrk at --load (default 80%) of that max: wrk connections that
    pause between requests (a Lua delay()), their count calibrated until the achieved rate is
    within 5% of the target; wrk runs one --sample window at a time and reports its requests,
    non-2xx responses, socket errors and timeouts (5 s) and latency percentiles;
  - body-checking clients (Python, --check-rate req/s) that also require the body "ok\n";
  - hostile requests (--hostile-rate req/s, two clients) to the hostile components in turn:
    infinite loop, memory.grow bomb, recursion, OOB load, 1 GiB stdout, 10,000 opens, path escapes,
    1 MiB headers, proc_exit mid-response, a trap mid-stream, a denied outbound host, an unfinished
    body; each must end 5xx.
Every window prints one line: requests, errors, the wrk p50/p99, hostile requests contained (5xx)
or not, the server's RSS (/proc/PID/status VmRSS) and fd count. The first --warmup seconds are the
same traffic, marked "(warm-up)": each loop thread's stack and malloc arena reach their working
size there. The closing note gives total errors (target 0), RSS growth from the first sample after
warm-up (target < 5%) and the p99 over time.

  bench/soak.py                      # 10 minutes at 80% of max
  bench/soak.py --minutes 2 --load 0.5
Loopback only; every load is bounded in time; tern is stopped by its PID.
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


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port, seconds, connections, lua=None):
    """One wrk run on /ok: dict of requests, errors (non-2xx + socket errors), rate, p50, p99."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if lua:
        cmd += ["-s", lua]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}/ok"], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    m = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m or not rate:
        raise SystemExit("soak: could not read wrk's output:\n" + out)
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    pcts = dict((q, to_ms(v, u)) for q, v, u in
                re.findall(r"^\s+(50|99)\.000%\s+([\d.]+)(us|ms|s)\s*$", out, re.M))
    if not pcts:  # wrk's --latency distribution lines: "50%   1.23ms"
        pcts = dict((q, to_ms(v, u)) for q, v, u in
                    re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M))
    return {"requests": int(m.group(1)), "errors": errors, "rate": float(rate.group(1)),
            "p50": pcts.get("50", 0.0), "p99": pcts.get("99", 0.0), "out": out}


def paced_lua(path, delay_ms):
    with open(path, "w") as f:
        f.write(f"function delay() return {delay_ms} end\n")
    return path


def calibrate(port, target, lua, delay_ms):
    """Connections (each pausing delay_ms between requests) for `target` req/s, within 5%."""
    connections = max(2, round(target * delay_ms / 1000))
    for _ in range(6):
        got = wrk(port, 3, connections, lua)["rate"]
        print(f"calibrate: {connections} connections -> {got:.0f} req/s (target {target:.0f})",
              flush=True)
        if abs(got - target) <= 0.05 * target:
            break
        connections = max(2, min(2000, round(connections * target / max(got, 1.0))))
    return connections


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tern", default=os.path.join(ROOT, "build", "tern"))
    ap.add_argument("--app", default=os.path.join(ROOT, "build", "tests", "hostile", "app"))
    ap.add_argument("--cache", default="/tmp/tern-soak-cache")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--load", type=float, default=0.8, help="share of the measured max req/s")
    ap.add_argument("--delay-ms", type=int, default=4, help="pause per wrk connection")
    ap.add_argument("--check-rate", type=float, default=40, help="body-checked req/s (Python)")
    ap.add_argument("--hostile-rate", type=float, default=10, help="hostile req/s")
    ap.add_argument("--sample", type=int, default=10, help="seconds per sample")
    ap.add_argument("--warmup", type=int, default=20,
                    help="seconds of the same traffic before the RSS baseline (thread stacks and "
                    "malloc arenas reach their working size)")
    ap.add_argument("--connections", type=int, default=4, help="body-checking client threads")
    args = ap.parse_args()

    proc, port, err_path = suite.start_tern(args.tern, args.app, args.cache, suite.TERN_ARGS)
    lua = paced_lua(os.path.join(args.cache, "soak-pace.lua"), args.delay_ms)
    try:
        top = wrk(port, 5, 16)["rate"]
        rate = args.load * top
        print(f"wrk max on /ok: {top:.0f} req/s; soaking at {args.load:.0%}: {rate:.0f} req/s")
        wrk_connections = calibrate(port, rate, lua, args.delay_ms)
        hostile_rate, good_rate = args.hostile_rate, args.check_rate
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
        print(f"soak: {args.minutes:g} min: wrk {wrk_connections} paced connections "
              f"({rate:.0f} req/s) + {good_rate:.0f} body-checked + {hostile_rate:.1f} hostile "
              f"req/s, pid {proc.pid}, port {port}")
        print(f"{'t(s)':>6} {'wrk req':>8} {'err':>4} {'req/s':>7} {'p50ms':>7} {'p99ms':>7} "
              f"{'checked':>7} {'err':>4} {'hostile':>7} {'5xx':>5} {'RSS(kB)':>9} {'fds':>4}")
        start, totals, rss_series, p99_series = time.time(), Window(), [], []
        wrk_requests = wrk_errors = 0
        end = start + args.warmup + args.minutes * 60
        while time.time() < end - 1 and proc.poll() is None:
            seconds = max(1, min(args.sample, round(end - time.time())))
            load = wrk(port, seconds, wrk_connections, lua)
            with lock:
                w, state["window"] = state["window"], Window()
            rss, fds = suite.rss_kb(proc.pid), suite.fd_count(proc.pid)
            warming = time.time() - start < args.warmup - 0.5
            if not warming:
                rss_series.append(rss)
                p99_series.append(load["p99"])
            wrk_requests += load["requests"]
            wrk_errors += load["errors"]
            totals.ok += w.ok
            totals.errors += w.errors
            totals.hostile += w.hostile
            totals.contained += w.contained
            print(f"{time.time() - start:6.0f} {load['requests']:8d} {load['errors']:4d} "
                  f"{load['rate']:7.0f} {load['p50']:7.2f} {load['p99']:7.2f} {w.ok:7d} "
                  f"{w.errors:4d} {w.hostile:7d} {w.contained:5d} {rss:9d} {fds:4d}"
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
    achieved = wrk_requests / max(elapsed, 1e-9)
    growth = (rss_series[-1] - rss_series[0]) / rss_series[0] * 100 if rss_series else 0.0
    print("\nclosing note")
    print(f"  duration {elapsed:.0f} s ({args.warmup:g} s warm-up); max {top:.0f} req/s; wrk "
          f"achieved {achieved:.0f} req/s of {rate:.0f} asked ({achieved / top:.0%} of max)")
    print(f"  well-behaved: wrk {wrk_requests} requests, {wrk_errors} errors; body-checked "
          f"{totals.ok} ok, {totals.errors} errors (target 0)")
    print(f"  hostile: {totals.hostile} sent, {totals.contained} ended 5xx, "
          f"{totals.hostile - totals.contained} not contained (target 0)")
    print(f"  RSS: first sample after warm-up {rss_series[0] if rss_series else 0} kB, last "
          f"{rss_series[-1] if rss_series else 0} kB, growth {growth:+.1f}% (target < 5%); "
          f"max {max(rss_series) if rss_series else 0} kB")
    print("  p99 (ms) per window after warm-up: " + " ".join(f"{p:.0f}" for p in p99_series))
    print(f"  tern {'served to the end' if alive else 'DIED'}; exit status {rc} after SIGTERM")
    bad = (wrk_errors or totals.errors or totals.hostile != totals.contained or not alive
           or rc != 0)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
