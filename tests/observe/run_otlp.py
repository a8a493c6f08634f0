#!/usr/bin/env python3
"""Tracing test: an OTLP/HTTP JSON receiver written here collects the spans of the real `tern up`.

Asserts the span tree of a request that carries a W3C traceparent (the trace is continued: same
trace id, the caller's span as parent), the names and attributes (http.route,
http.response.status_code), instantiate/execute/host-call children, an error span for a trap;
then that requests still succeed, quickly, with the collector down and with one that never
answers, the lost spans being counted on /metrics.
"""
import argparse
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from observe_lib import Tern, free_port, get, wait_port  # noqa: E402

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


class Receiver:
    """POST /v1/traces -> 200; keeps every request body and the resource of each."""

    def __init__(self):
        self.bodies = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    outer.bodies.append((self.path, self.headers["Content-Type"], json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def spans(self):
        out = []
        with self.lock:
            for _, _, b in self.bodies:
                for rs in b["resourceSpans"]:
                    for ss in rs["scopeSpans"]:
                        out.extend(ss["spans"])
        return out

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def attrs(span):
    out = {}
    for a in span.get("attributes", []):
        v = a["value"]
        out[a["key"]] = v.get("stringValue", v.get("intValue"))
    return out


def wait_for(pred, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def metric(admin_port, line_prefix):
    _, body, _ = get(f"http://127.0.0.1:{admin_port}/metrics")
    for line in body.splitlines():
        if line.startswith(line_prefix + " "):
            return float(line.split()[-1])
    return 0.0


def check_tree(rx):
    spans = wait_for(lambda: [s for s in rx.spans() if s["traceId"] == TRACE] if len(
        [s for s in rx.spans() if s["traceId"] == TRACE]) >= 4 else None, "the continued trace")
    by_name = {}
    for s in spans:
        by_name.setdefault(s["name"], []).append(s)
    server = by_name["GET /fast"][0]
    assert server["parentSpanId"] == PARENT, server
    assert server["kind"] == 2, server
    a = attrs(server)
    assert a["http.route"] == "/fast" and a["http.response.status_code"] == "200", a
    assert a["http.request.method"] == "GET" and a["url.path"] == "/fast", a
    for child in ("instantiate", "execute"):
        assert by_name[child][0]["parentSpanId"] == server["spanId"], by_name[child]
    execute = by_name["execute"][0]
    calls = [s for s in spans if s["name"].startswith("wasi_snapshot_preview1 ")]
    assert calls, sorted(by_name)
    assert all(c["parentSpanId"] == execute["spanId"] for c in calls), calls
    assert "wasi_snapshot_preview1 fd_write" in by_name, sorted(by_name)
    for s in spans:
        assert int(s["startTimeUnixNano"]) <= int(s["endTimeUnixNano"]), s
        assert len(s["spanId"]) == 16 and s["spanId"] != PARENT
    path, ctype, body = rx.bodies[0]
    assert path == "/v1/traces" and ctype == "application/json", (path, ctype)
    res = {a["key"]: a["value"]["stringValue"] for a in body["resourceSpans"][0]["resource"]["attributes"]}
    assert res["service.name"] == "observe-test", res
    print(f"continued trace: {len(spans)} spans, {len(calls)} host-call spans")


def check_trap(rx):
    def find():
        for s in rx.spans():
            if s["name"] == "GET /trap":
                return s
        return None
    server = wait_for(find, "the /trap span")
    assert "parentSpanId" not in server and server["traceId"] != TRACE, server
    assert server["status"]["code"] == 2 and attrs(server)["http.response.status_code"] == "500"
    execute = wait_for(lambda: [s for s in rx.spans() if s["traceId"] == server["traceId"]
                                and s["name"] == "execute"], "the trap's execute span")[0]
    assert execute["status"]["code"] == 2 and "unreachable" in execute["status"]["message"], execute


def timed_requests(tern, n):
    start = time.time()
    for _ in range(n):
        status, body, _ = get(tern.url("/fast"), timeout=5)
        assert status == 200 and body == "fast\n", (status, body)
    return time.time() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tern", required=True)
    p.add_argument("--app", required=True)
    p.add_argument("--cache", required=True)
    args = p.parse_args()
    rx = Receiver()
    admin = free_port()
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{rx.port}",
           "OTEL_SERVICE_NAME": "observe-test", "OTEL_BSP_SCHEDULE_DELAY": "100",
           "OTEL_EXPORTER_OTLP_TIMEOUT": "1000", "TERN_TRACE_HOST_CALLS": "all"}
    with Tern(args, ["--admin-listen", f"127.0.0.1:{admin}"], env) as tern:
        status, _, _ = get(tern.url("/fast"), {"traceparent": f"00-{TRACE}-{PARENT}-01",
                                               "tracestate": "vendor=x"})
        assert status == 200
        assert get(tern.url("/trap"))[0] == 500
        check_tree(rx)
        check_trap(rx)
        # An unsampled caller: no spans for its trace.
        other = "0af7651916cd43dd8448eb211c80319c"
        assert get(tern.url("/fast"), {"traceparent": f"00-{other}-b7ad6b7169203331-00"})[0] == 200
        rx.stop()  # the collector goes away: requests are unaffected, spans are counted as lost
        took = timed_requests(tern, 30)
        assert took < 10, took
        failed = wait_for(lambda: metric(admin, 'tern_trace_spans_dropped_total{reason="export_failed"}'),
                          "export failures on /metrics")
        assert not [s for s in rx.spans() if s["traceId"] == other]
        print(f"collector down: 30 requests in {took:.2f} s, {failed:.0f} spans dropped")

    # A collector that accepts connections and never answers; a queue of 8 spans.
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(64)
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{hang.getsockname()[1]}",
                "OTEL_BSP_MAX_QUEUE_SIZE": "8", "OTEL_EXPORTER_OTLP_TIMEOUT": "30000"})
    admin = free_port()
    with Tern(args, ["--admin-listen", f"127.0.0.1:{admin}"], env) as tern:
        took = timed_requests(tern, 40)
        assert took < 10, took
        full = metric(admin, 'tern_trace_spans_dropped_total{reason="queue_full"}')
        assert full > 0, full
        print(f"collector hanging: 40 requests in {took:.2f} s, {full:.0f} spans dropped (queue full)")
    hang.close()
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
