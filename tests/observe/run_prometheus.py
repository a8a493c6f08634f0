#!/usr/bin/env python3
"""Metrics test: Debian's Prometheus scrapes `tern up --admin-listen`; the test asks its HTTP API.

Drives 40 requests to /fast, 12 to /slow/x (a 60 ms busy guest) and 3 to /trap, then asserts
through PromQL that the request counters per route/status arrived and that the median of the
latency histogram of /slow/... sits above 50 ms while that of /fast stays below it.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from observe_lib import Tern, free_port, get, wait_port  # noqa: E402


def query(prom_port, promql):
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    status, body, _ = get(url)
    if status != 200:
        raise AssertionError(f"prometheus answered {status} to {promql}: {body}")
    data = json.loads(body)
    assert data["status"] == "success", body
    return data["data"]["result"]


def scalar(prom_port, promql):
    result = query(prom_port, promql)
    return float(result[0]["value"][1]) if result else None


def wait_value(prom_port, promql, want, timeout=45):
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        value = scalar(prom_port, promql)
        if value is not None and value >= want:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{promql}: {value}, expected {want} within {timeout} s")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tern", required=True)
    p.add_argument("--app", required=True)
    p.add_argument("--cache", required=True)
    args = p.parse_args()
    prometheus = shutil.which("prometheus")
    if not prometheus:
        print("SKIP: prometheus is not installed (scripts/setup installs it)")
        return 0
    admin_port = free_port()
    with Tern(args, ["--admin-listen", f"127.0.0.1:{admin_port}"]) as tern:
        wait_port(admin_port)
        status, body, headers = get(f"http://127.0.0.1:{admin_port}/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers
        # Metrics never show on the public port.
        assert get(tern.url("/metrics"))[0] == 404
        work = tempfile.mkdtemp(prefix="tern-prom-")
        prom_port = free_port()
        with open(os.path.join(work, "prometheus.yml"), "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tern
    static_configs:
      - targets: ['127.0.0.1:{admin_port}']
""")
        prom = subprocess.Popen(
            [prometheus, f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/data",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=open(os.path.join(work, "prom.log"), "w"), stderr=subprocess.STDOUT)
        try:
            wait_port(prom_port, prom, timeout=60)
            deadline = time.time() + 60
            while get(f"http://127.0.0.1:{prom_port}/-/ready")[0] != 200:
                assert time.time() < deadline and prom.poll() is None, "prometheus never got ready"
                time.sleep(0.2)
            wait_value(prom_port, 'up{job="tern"}', 1)
            for _ in range(40):
                assert get(tern.url("/fast"))[0] == 200
            for _ in range(12):
                assert get(tern.url("/slow/x"))[0] == 200
            for _ in range(3):
                assert get(tern.url("/trap"))[0] == 500
            wait_value(prom_port, 'tern_http_requests_total{route="/fast",status="200"}', 40)
            fast = scalar(prom_port, 'tern_http_requests_total{route="/fast",status="200"}')
            slow = wait_value(prom_port, 'tern_http_requests_total{route="/slow/...",status="200"}', 12)
            traps = wait_value(prom_port, 'tern_traps_total{component="trap",kind="unreachable"}', 3)
            assert (fast, slow, traps) == (40, 12, 3), (fast, slow, traps)
            q_slow = scalar(prom_port, 'histogram_quantile(0.5, sum by (le) '
                            '(tern_http_request_duration_seconds_bucket{route="/slow/..."}))')
            q_fast = scalar(prom_port, 'histogram_quantile(0.5, sum by (le) '
                            '(tern_http_request_duration_seconds_bucket{route="/fast"}))')
            print(f"p50 /slow/...: {q_slow:.4f} s, p50 /fast: {q_fast:.4f} s")
            assert 0.05 <= q_slow <= 0.25, q_slow
            assert q_fast < 0.05, q_fast
            inst = scalar(prom_port, 'tern_instantiation_duration_seconds_count{component="fast"}')
            assert inst == 40, inst
            calls = scalar(prom_port, 'tern_host_calls_total{interface="wasi_snapshot_preview1"}')
            assert calls and calls > 55, calls
            loads = (scalar(prom_port, 'sum(tern_compile_cache_hits_total) or vector(0)') +
                     scalar(prom_port, 'sum(tern_compile_cache_misses_total) or vector(0)'))
            assert loads == 3, loads  # one compile or cache load per component
        finally:
            prom.send_signal(signal.SIGTERM)
            try:
                prom.wait(timeout=20)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
            shutil.rmtree(work, ignore_errors=True)
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
