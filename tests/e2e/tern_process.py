"""Helpers shared by the Python tests that drive the real `tern` binary: start it on a free port
and wait for its "Serving" line, GET a path, fail a check."""
import http.client
import os
import re
import subprocess
import time


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAIL: {what}")


def start_tern(tern, argv, cache, cwd=None, timeout=120):
    """`tern ARGV --listen 127.0.0.1:0` with TERN_CACHE_DIR=CACHE: (process, port) once serving."""
    env = dict(os.environ, TERN_CACHE_DIR=cache)
    p = subprocess.Popen([tern] + argv + ["--listen", "127.0.0.1:0"], cwd=cwd,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = p.stdout.readline().decode()
        if not line:
            break
        m = re.match(r"Serving http://127\.0\.0\.1:(\d+)", line)
        if m:
            return p, int(m.group(1))
    p.kill()
    raise SystemExit(f"FAIL: tern {' '.join(argv)} did not start (in {cwd or os.getcwd()}): "
                     f"{p.stderr.read().decode()}")


def get(port, path, timeout=20):
    """(status, body text) of GET PATH on 127.0.0.1:PORT."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        conn.close()
