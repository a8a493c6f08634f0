#!/usr/bin/env python3
"""End-to-end driver: runs every tests/e2e/<case>/ against the real `tern up` over real sockets.

A case folder holds a spin.toml and either
  exchange.http     the expected raw HTTP exchange (format below), with optional
  args              extra `tern up` flags (one line; also for expect_error.txt cases), and
  expect_log.txt    lines (with {*} wildcards) that must appear in tern's stderr; or
  expect_error.txt  for a manifest that must not load: tern exits 1, prints every listed line
                    (with {*} wildcards) on stderr, and never listens.
  command           instead of `up -f CASE`, the tern command line to run (one line), e.g.
                    `serve {dir}/env.wasm`; a case with a command needs no spin.toml.
  upstream          loopback HTTP servers the driver starts before tern, one `NAME COUNT` a line:
                    {port:NAME} in spin.toml and exchange.http becomes that server's port, and the
                    server must have received exactly COUNT requests when the case ends. A server
                    answers `METHOD PATH x-fetched-by=VALUE` (text/plain); PATH /status/N gets N.
In `args` and `command`, {dir} is the case's temporary folder and {wasm} the --wasm-dir.
Guests come from tests/e2e/guests/*.c (and <case>/*.c), built to .wasm by CMake; the driver copies
the case and every built .wasm into a temporary folder and serves it from there. JS components
(tests/fixtures/js, --js-dir) are copied to js/ there where the case's spin.toml names them
(`source = "js/echo.wasm"`); a js-* case is skipped when no --js-dir is given.

exchange.http: blocks introduced by marker lines.
  === new connection      open a fresh connection (one is opened at the start)
  === closed              the server must have closed the connection
  === refused             a new connection must be refused (after a graceful shutdown)
  === exit N              tern must exit with status N (within 10 s)
  === sleep SECONDS       wait that long (e.g. past an idle-instance timeout)
  >>> [pipeline] [chunked] [sigterm-after=SECONDS]
      a raw request: header lines (CRLF added), a blank line, then the body. The block's final
      newline is not part of it. Content-Length is added when the body is not empty and neither
      it nor Transfer-Encoding is given. `chunked` sends the body in 1000-byte chunks.
      `pipeline` sends it together with the next request(s); responses are then read in order.
      `sigterm-after` sends SIGTERM to tern that long after the request went out.
  <<< [close] [interim]
      the expected response: the status line, then headers that must be present (name
      case-insensitive, value exact), a blank line, then the exact body. `close`: the server must
      close the connection after it. `interim`: a 1xx response; the request still awaits its own.
In request and response text {repeat:N:TEXT} expands to TEXT repeated to N bytes; in expected text
{*} matches anything.
"""
import argparse
import http.server
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib

REPEAT = re.compile(r"\{repeat:(\d+):([^}]*)\}")


def expand(text):
    return REPEAT.sub(lambda m: (m.group(2) * (int(m.group(1)) // max(1, len(m.group(2))) + 1))[: int(m.group(1))], text)


def wildcard_match(pattern, text):
    parts = pattern.split("{*}")
    if len(parts) == 1:
        return pattern == text  # the common case; also avoids compiling megabyte regexes
    if not (text.startswith(parts[0]) and text.endswith(parts[-1])) or len(text) < len(parts[0]) + len(parts[-1]):
        return False
    return re.fullmatch(".*?".join(re.escape(p) for p in parts), text, re.DOTALL) is not None


class CaseFailure(Exception):
    pass


def parse_exchange(text):
    """Returns a list of steps: ('conn', arg) / ('send', opts, raw) / ('expect', opts, raw)."""
    steps, kind, opts, lines = [], None, [], []

    def flush():
        if kind:
            steps.append((kind, opts, "\n".join(lines)))

    if text.endswith("\n"):
        text = text[:-1]  # the file's own final newline
    for line in text.split("\n"):
        if line.startswith(">>>") or line.startswith("<<<") or line.startswith("==="):
            flush()
            kind, lines = None, []
            marker, rest = line[:3], line[3:].split()
            if marker == "===":
                steps.append(("conn", rest, ""))
            else:
                kind, opts = ("send" if marker == ">>>" else "expect"), rest
        elif kind:
            lines.append(line)
        elif line.strip() and not line.startswith("#"):
            raise CaseFailure(f"text outside a block in exchange.http: {line!r}")
    flush()
    return steps


def build_request(raw, opts):
    raw = expand(raw)
    head, _, body = raw.partition("\n\n")
    lines = head.split("\n")
    names = [l.split(":", 1)[0].strip().lower() for l in lines[1:]]
    body_bytes = body.encode()
    if "chunked" in opts:
        lines.append("Transfer-Encoding: chunked")
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body_bytes[i:i + 1000]), body_bytes[i:i + 1000])
                          for i in range(0, len(body_bytes), 1000))
        body_bytes = chunks + b"0\r\n\r\n"
    elif body_bytes and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body_bytes)}")
    method = lines[0].split(" ", 1)[0]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body_bytes, method


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = bytearray()
        self.eof = False

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            self.eof = True
            raise CaseFailure("connection closed by the server while reading a response")
        self.buf += data

    def _read_until(self, sep):
        while sep not in self.buf:
            self._fill()
        i = self.buf.index(sep)
        out = bytes(self.buf[:i])
        del self.buf[:i + len(sep)]
        return out

    def _read_n(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_response(self, method):
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        headers = [(h.split(":", 1)[0].strip().lower(), h.split(":", 1)[1].strip()) for h in header_lines]
        hmap = {}
        for k, v in headers:
            hmap.setdefault(k, v)
        code = int(status_line.split(" ")[1])
        if method == "HEAD" or code in (204, 304) or 100 <= code < 200:
            body = b""
        elif hmap.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self._read_until(b"\r\n")
                    break
                body += self._read_n(size)
                self._read_n(2)
        elif "content-length" in hmap:
            body = self._read_n(int(hmap["content-length"]))
        else:
            while not self.eof:
                try:
                    self._fill()
                except CaseFailure:
                    break
            body, self.buf = bytes(self.buf), bytearray()
        return status_line, headers, body

    def closed_by_server(self, timeout=5):
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False


def check_response(got, expected_raw, opts, conn):
    status_line, headers, body = got
    exp = expand(expected_raw)
    head, _, exp_body = exp.partition("\n\n")
    exp_lines = head.split("\n")
    if not wildcard_match(exp_lines[0], status_line):
        raise CaseFailure(f"status: expected {exp_lines[0]!r}, got {status_line!r}\nbody: {body[:500]!r}")
    for line in exp_lines[1:]:
        if not line.strip():
            continue
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        values = [v for k, v in headers if k == name]
        if not any(wildcard_match(value, v) for v in values):
            raise CaseFailure(f"header {name}: expected {value!r}, got {values!r} (status {status_line})")
    text = body.decode("latin-1")
    if not wildcard_match(exp_body, text):
        shown = text if len(text) < 2000 else text[:1000] + f"... ({len(text)} bytes)"
        want = exp_body if len(exp_body) < 2000 else exp_body[:1000] + f"... ({len(exp_body)} bytes)"
        raise CaseFailure(f"body of {status_line!r}:\n--- expected\n{want}\n--- got\n{shown}")
    if "close" in opts and not conn.closed_by_server():
        raise CaseFailure("the server kept the connection open; expected it to close")


class Tern:
    def __init__(self, tern, folder, command, args, cache):
        self.err_path = os.path.join(folder, "tern.stderr")
        self.err = open(self.err_path, "wb")
        env = dict(os.environ, TERN_CACHE_DIR=cache)
        self.proc = subprocess.Popen([tern] + command + ["--listen", "127.0.0.1:0"] + args,
                                     stdout=subprocess.PIPE, stderr=self.err, env=env)
        self.banner = ""
        self.port = None
        deadline = time.time() + 300  # first start compiles every guest (a JS component: ~1-2 min)
        while time.time() < deadline and self.port is None:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline().decode()
                if not line:
                    break
                self.banner += line
                m = re.match(r"Serving http://127\.0\.0\.1:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
        if self.port is None:
            self.stop()
            raise CaseFailure(f"tern did not start:\n{self.stderr()}")

    def stderr(self):
        self.err.flush()
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.hang_report = where_stuck(self.proc.pid)
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def where_stuck(pid):
    """What a tern that outlived SIGTERM was doing: each thread's state and kernel wait channel,
    the pending and blocked signals, and (when gdb is installed) every thread's stack."""
    lines = [f"--- tern (pid {pid}) did not exit 15 s after SIGTERM ---"]
    try:
        with open(f"/proc/{pid}/status") as f:
            lines += [l.rstrip() for l in f if l.startswith(("State", "SigPnd", "ShdPnd", "SigBlk", "SigCgt"))]
        for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
            def item(name):
                try:
                    with open(f"/proc/{pid}/task/{tid}/{name}") as f:
                        return f.read().strip()
                except OSError:
                    return "?"
            state = item("stat").rsplit(")", 1)[-1].split()[0] if item("stat") != "?" else "?"
            lines.append(f"thread {tid} {item('comm')}: state {state}, wchan {item('wchan')}")
    except OSError as e:
        lines.append(f"(cannot read /proc/{pid}: {e})")
    if shutil.which("gdb"):
        try:
            out = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
                                 capture_output=True, text=True, timeout=120)
            lines.append(out.stdout[-20000:])
        except (subprocess.TimeoutExpired, OSError) as e:
            lines.append(f"(gdb: {e})")
    return "\n".join(lines)


def run_exchange(tern, steps):
    conn = Conn(tern.port)
    pending = []  # (method) of pipelined requests not yet answered
    i = 0
    while i < len(steps):
        kind, opts, raw = steps[i]
        if kind == "conn":
            what = opts[0] if opts else ""
            if what == "new":
                conn = Conn(tern.port)
            elif what == "closed":
                if not conn.closed_by_server():
                    raise CaseFailure("expected the server to close the connection")
            elif what == "refused":
                try:
                    socket.create_connection(("127.0.0.1", tern.port), timeout=2).close()
                    raise CaseFailure("a connection was accepted after shutdown")
                except OSError:
                    pass
            elif what == "exit":
                try:
                    rc = tern.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    raise CaseFailure("tern did not exit after SIGTERM")
                if rc != int(opts[1]):
                    raise CaseFailure(f"tern exited with {rc}, expected {opts[1]}")
            elif what == "sleep":
                time.sleep(float(opts[1]))
            else:
                raise CaseFailure(f"unknown === step {opts}")
        elif kind == "send":
            data, method = build_request(raw, opts)
            batch, methods = data, [method]
            while "pipeline" in opts and i + 1 < len(steps) and steps[i + 1][0] == "send":
                i += 1
                kind, opts, raw = steps[i]
                more, method = build_request(raw, opts)
                batch += more
                methods.append(method)
            conn.sock.sendall(batch)
            for o in opts:
                if o.startswith("sigterm-after="):
                    time.sleep(float(o.split("=", 1)[1]))
                    tern.proc.send_signal(signal.SIGTERM)
            pending.extend(methods)
        elif kind == "expect":
            if not pending:
                raise CaseFailure("<<< without a request to answer")
            method = pending[0] if "interim" in opts else pending.pop(0)
            check_response(conn.read_response(method), raw, opts, conn)
        i += 1
    if pending:
        raise CaseFailure(f"{len(pending)} request(s) without an expected response")


class UpstreamHandler(http.server.BaseHTTPRequestHandler):
    """A loopback server for guests' outbound requests: says what it got, counts requests."""
    protocol_version = "HTTP/1.1"

    def _answer(self):
        self.server.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        m = re.fullmatch(r"/status/(\d{3})", self.path)
        text = f"{self.command} {self.path} x-fetched-by={self.headers.get('x-fetched-by')}\n".encode() + body
        self.send_response(int(m.group(1)) if m else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


class Upstreams:
    """The servers a case's `upstream` file asks for, each on an ephemeral loopback port."""

    def __init__(self, path):
        self.servers, self.expected = {}, {}
        if not os.path.exists(path):
            return
        for line in read(path).splitlines():
            if line.strip() and not line.startswith("#"):
                name, count = line.split()
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), UpstreamHandler)
                server.requests = 0
                server.daemon_threads = True
                threading.Thread(target=server.serve_forever, daemon=True).start()
                self.servers[name], self.expected[name] = server, int(count)

    def substitute(self, text):
        for name, server in self.servers.items():
            text = text.replace("{port:" + name + "}", str(server.server_address[1]))
        return text

    def stop(self):
        for s in self.servers.values():
            s.shutdown()
            s.server_close()

    def check_and_stop(self):
        errors = [f"upstream {n} got {s.requests} request(s), expected {self.expected[n]}"
                  for n, s in self.servers.items() if s.requests != self.expected[n]]
        self.stop()
        if errors:
            raise CaseFailure("; ".join(errors))


def wasm_sources(manifest_path):
    """The component `source` files a spin.toml names (plain file names only)."""
    try:
        with open(manifest_path, "rb") as f:
            components = tomllib.load(f).get("component", {})
    except tomllib.TOMLDecodeError:
        return set()  # a case about a malformed manifest
    if not isinstance(components, dict):
        return set()
    return {c["source"] for c in components.values() if isinstance(c, dict) and isinstance(c.get("source"), str)}


def prepare(case_dir, wasm_dirs, tmp, js_dir=None):
    folder = os.path.join(tmp, os.path.basename(case_dir))
    shutil.copytree(case_dir, folder)
    for d in wasm_dirs:
        if os.path.isdir(d):
            for name in os.listdir(d):
                if name.endswith(".wasm"):
                    shutil.copy(os.path.join(d, name), folder)
    if js_dir and os.path.exists(os.path.join(folder, "spin.toml")):  # `source = "js/NAME.wasm"` names a JS component (whose name may also be a C guest's)
        for source in wasm_sources(os.path.join(folder, "spin.toml")):
            if source.startswith("js/") and os.path.exists(os.path.join(js_dir, source[3:])):
                os.makedirs(os.path.join(folder, "js"), exist_ok=True)
                shutil.copy(os.path.join(js_dir, source[3:]), os.path.join(folder, source))
    return folder


def read(path):
    with open(path) as f:
        return f.read()


def command_line(folder, args):
    """The case's `command` (default `up -f FOLDER`) and `args` files, placeholders filled in."""
    def words(file):
        path = os.path.join(folder, file)
        text = read(path).replace("{dir}", folder).replace("{wasm}", args.wasm_dir) if os.path.exists(path) else ""
        return text.split()
    return words("command") or ["up", "-f", folder], words("args")


def run_case(case_dir, args, tmp):
    name = os.path.basename(case_dir)
    folder = prepare(case_dir, [os.path.join(args.wasm_dir, "guests"), os.path.join(args.wasm_dir, name)], tmp,
                     args.js_dir)
    command, extra = command_line(folder, args)
    error_file = os.path.join(folder, "expect_error.txt")
    if os.path.exists(error_file):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = dict(os.environ, TERN_CACHE_DIR=args.cache)
        p = subprocess.Popen([args.tern] + command + ["--listen", f"127.0.0.1:{port}"] + extra,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        refused = True
        start = time.time()
        while p.poll() is None and time.time() - start < 60:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                refused = False
            except OSError:
                pass
            time.sleep(0.05)
        if p.poll() is None:
            p.kill()
            raise CaseFailure("tern kept running with a bad manifest")
        out, err = p.communicate()
        err = err.decode(errors="replace")
        if p.returncode != 1:
            raise CaseFailure(f"exit status {p.returncode}, expected 1\n{err}")
        if not refused:
            raise CaseFailure("tern listened although the manifest is bad")
        for line in read(error_file).splitlines():
            if line.strip() and not any(wildcard_match("{*}" + line.strip() + "{*}", l) for l in err.splitlines()):
                raise CaseFailure(f"stderr lacks {line.strip()!r}:\n{err}")
        return
    upstreams = Upstreams(os.path.join(folder, "upstream"))
    try:
        manifest = os.path.join(folder, "spin.toml")
        if os.path.exists(manifest):
            text = upstreams.substitute(read(manifest))
            with open(manifest, "w") as f:
                f.write(text)
        exchange = upstreams.substitute(read(os.path.join(folder, "exchange.http")))
        tern = Tern(args.tern, folder, command, extra, args.cache)
        try:
            run_exchange(tern, parse_exchange(exchange))
        except (CaseFailure, OSError) as e:
            tern.stop()
            raise CaseFailure(f"{e}\n--- tern stderr ---\n{tern.stderr()}{getattr(tern, 'hang_report', '')}")
        rc = tern.stop()
    except BaseException:
        upstreams.stop()
        raise
    upstreams.check_and_stop()
    if rc != 0:
        raise CaseFailure(f"tern exited with {rc} after SIGTERM\n{tern.stderr()}{getattr(tern, 'hang_report', '')}")
    log_file = os.path.join(folder, "expect_log.txt")
    if os.path.exists(log_file):
        log = tern.stderr().splitlines()
        for line in read(log_file).splitlines():
            if line.strip() and not any(wildcard_match("{*}" + line.strip() + "{*}", l) for l in log):
                raise CaseFailure(f"tern stderr lacks {line.strip()!r}:\n" + "\n".join(log))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", required=True)
    ap.add_argument("--cases", required=True, help="tests/e2e source folder")
    ap.add_argument("--wasm-dir", required=True, help="where CMake put the guests' .wasm")
    ap.add_argument("--cache", required=True, help="artifact cache for tern")
    ap.add_argument("--js-dir", help="where CMake put the JS components (tests/fixtures/js)")
    ap.add_argument("--exclude-prefix", help="skip the cases whose name starts with this")
    ap.add_argument("only", nargs="*", help="case names to run (default: all)")
    args = ap.parse_args()
    cases = sorted(d for d in os.listdir(args.cases)
                   if any(os.path.exists(os.path.join(args.cases, d, f)) for f in ("spin.toml", "command")) and (not args.only or d in args.only)
                   and not (args.exclude_prefix and d.startswith(args.exclude_prefix)))
    failed, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="tern-e2e-") as tmp:
        for c in cases:
            t0 = time.time()
            if c.startswith("js-") and not args.js_dir:
                skipped.append(c)
                print(f"SKIP {c}: no --js-dir (JS fixtures not built)", flush=True)
                continue
            try:
                run_case(os.path.join(args.cases, c), args, tmp)
                print(f"PASS {c} ({time.time() - t0:.1f}s)", flush=True)
            except CaseFailure as e:
                failed.append(c)
                print(f"FAIL {c}: {e}", flush=True)
    print(f"e2e: {len(cases) - len(failed) - len(skipped)} passed, {len(failed)} failed, {len(skipped)} skipped")
    return 1 if failed or len(skipped) == len(cases) else 0


if __name__ == "__main__":
    sys.exit(main())
