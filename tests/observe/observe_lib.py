"""Shared helpers of the observe tests: free ports, starting/stopping `tern up`, HTTP GETs."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port} after {timeout} s")


def get(url, headers=None, timeout=10):
    """(status, body, headers) of one GET; HTTP errors are answers too."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), e.headers


class Tern:
    """`tern up` on a loopback port, serving a copy of the app folder; stopped by PID."""

    def __init__(self, args, extra=(), env=None):
        self.work = tempfile.mkdtemp(prefix="tern-observe-")
        app = os.path.join(self.work, "app")
        shutil.copytree(args.app, app)
        self.port = free_port()
        self.stdout_path = os.path.join(self.work, "stdout.txt")
        self.stderr_path = os.path.join(self.work, "stderr.txt")
        full_env = dict(os.environ)
        for k in list(full_env):
            if k.startswith("OTEL_") or k.startswith("TERN_TRACE"):
                del full_env[k]
        full_env.update(env or {})
        cmd = [args.tern, "up", "-f", app, "--listen", f"127.0.0.1:{self.port}", "--threads", "2",
               "--cache-dir", args.cache, *extra]
        self.proc = subprocess.Popen(cmd, stdout=open(self.stdout_path, "w"),
                                     stderr=open(self.stderr_path, "w"), env=full_env)
        wait_port(self.port, self.proc)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        """SIGTERM, wait for the exit; returns (stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with open(self.stdout_path) as o, open(self.stderr_path) as e:
            out, err = o.read(), e.read()
        shutil.rmtree(self.work, ignore_errors=True)
        return out, err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
