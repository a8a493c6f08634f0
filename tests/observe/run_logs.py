#!/usr/bin/env python3
"""Log test: guest stderr prefixed "[component] " on the console or in --log-dir files, and server
log lines as JSON (--log-format json) carrying the request's trace id."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from observe_lib import Tern, free_port, get  # noqa: E402

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tern", required=True)
    p.add_argument("--app", required=True)
    p.add_argument("--cache", required=True)
    args = p.parse_args()

    # Console + JSON server logs; tracing on (collector absent) so log lines carry the trace id.
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}"}
    tern = Tern(args, ["--log-format", "json"], env)
    assert get(tern.url("/fast"))[0] == 200
    assert get(tern.url("/trap"), {"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"})[0] == 500
    _, err = tern.stop()
    lines = err.splitlines()
    assert "[fast] fast guest says hi" in lines, err
    records = [json.loads(line) for line in lines if line.startswith("{")]
    trap = [r for r in records if r.get("status") == 500]
    assert len(trap) == 1, err
    r = trap[0]
    assert r["level"] == "error" and r["component"] == "trap" and r["route"] == "/trap", r
    assert r["trace_id"] == TRACE and "unreachable" in r["msg"] and r["time"].endswith("Z"), r
    shutdown = [r for r in records if "SIGTERM" in r["msg"]]
    assert shutdown and shutdown[0]["level"] == "info", records

    # Text server logs (the default) and guest stderr in Spin's --log-dir files.
    logs = tempfile.mkdtemp(prefix="tern-logs-")
    tern = Tern(args, ["--log-dir", logs])
    for _ in range(2):
        assert get(tern.url("/fast"))[0] == 200
    assert get(tern.url("/trap"))[0] == 500
    _, err = tern.stop()
    with open(os.path.join(logs, "fast_stderr.txt")) as f:
        assert f.read() == "fast guest says hi\n" * 2
    assert "[fast]" not in err, err
    assert any(line.startswith('tern: 500 GET /trap: component "trap"') for line in err.splitlines()), err

    bad = subprocess.run([args.tern, "up", "-f", args.app, "--log-format", "xml"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "--log-format expects text or json" in bad.stderr, bad
    bad = subprocess.run([args.tern, "up", "-f", args.app, "--admin-listen", "nonsense"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "--admin-listen expects HOST:PORT" in bad.stderr, bad
    bad = subprocess.run([args.tern, "up", "-f", args.app, "--listen", "127.0.0.1:3999",
                          "--admin-listen", "127.0.0.1:3999"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "is also the --listen address" in bad.stderr, bad
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
