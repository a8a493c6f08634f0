#!/usr/bin/env python3
"""`tern --version` / `-V`, `tern up --temp DIR`, `tern up -f X.wasm`, `tern serve` misuse,
`tern doctor` and `tern watch`, against the real binary.

--version must print `tern <project version> (<commit>)`, the commit one the source tree has (or
"unknown" outside git). --temp: the staged `files` live in a tern-files-* folder under DIR while
tern serves, and that folder (not DIR) is gone after SIGTERM; a DIR that is a file is an error.
Usage: cli_flags_test.py --tern build/tern --version 0.1.0 --source . --wasm-dir build/tests/e2e
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from tern_process import check, get, start_tern


def version(args):
    for flag in ("--version", "-V"):
        p = subprocess.run([args.tern, flag], capture_output=True, text=True, timeout=30)
        check(p.returncode == 0, f"{flag} exit status {p.returncode}: {p.stderr}")
        m = re.fullmatch(r"tern (\S+) \(([0-9a-f]{4,40}|unknown)\)\n", p.stdout)
        check(m is not None, f"{flag} printed {p.stdout!r}")
        check(m.group(1) == args.version, f"{flag}: version {m.group(1)}, CMake says {args.version}")
        commit = m.group(2)
        if commit != "unknown":
            known = subprocess.run(["git", "-C", args.source, "cat-file", "-e", commit + "^{commit}"],
                                   capture_output=True)
            check(known.returncode == 0, f"{flag}: commit {commit} is not in {args.source}")
    print("PASS --version / -V")


def start(args, folder, extra, cache):
    return start_tern(args.tern, ["up", "-f", folder] + extra, cache)


def temp_dir(args, tmp):
    app = os.path.join(tmp, "app")
    shutil.copytree(os.path.join(args.source, "tests/e2e/files"), app)
    shutil.copy(os.path.join(args.wasm_dir, "guests/files.wasm"), app)
    stage = os.path.join(tmp, "stage", "nested")  # created by tern
    p, port = start(args, app, ["--temp", stage], os.path.join(tmp, "cache"))
    try:
        roots = [d for d in os.listdir(stage) if d.startswith("tern-files-")]
        check(len(roots) == 1, f"--temp {stage} holds {os.listdir(stage)}")
        staged = os.path.join(stage, roots[0], "files", "static", "hello.txt")
        check(os.path.isfile(staged), f"{staged} was not staged")
        check(get(port, "/files/static/hello.txt") == (200, "hello static\n"), "staged file not served")
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=20)
    check(rc == 0, f"tern exited {rc}")
    check(os.path.isdir(stage) and os.listdir(stage) == [], f"left behind: {os.listdir(stage)}")

    blocker = os.path.join(tmp, "a-file")
    open(blocker, "w").close()
    bad = subprocess.run([args.tern, "up", "-f", app, "--listen", "127.0.0.1:0", "--temp", blocker],
                         capture_output=True, text=True, timeout=60)
    check(bad.returncode == 1 and "--temp" in bad.stderr, f"--temp FILE: {bad.returncode} {bad.stderr}")
    print("PASS --temp")


def up_wasm(args, tmp):
    """`tern up -f X.wasm` (as `spin up -f X.wasm`): the module runs as WAGI on every path."""
    wasm = os.path.join(tmp, "env.wasm")
    shutil.copy(os.path.join(args.wasm_dir, "guests/env.wasm"), wasm)
    p, port = start(args, wasm, ["--env", "SHOW=GREETING", "--env", "GREETING=bare"], os.path.join(tmp, "cache"))
    try:
        status, body = get(port, "/any/path?q=1")
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=20)
    check((status, body) == (200, "argv[0]=/any/path\nargv[1]=q=1\nGREETING=bare\n"),
          f"tern up -f env.wasm: {status} {body!r}")
    check(rc == 0, f"tern exited {rc}")
    print("PASS tern up -f X.wasm")


def serve_misuse(args, tmp):
    app = os.path.join(args.source, "tests/e2e/files/spin.toml")
    p = subprocess.run([args.tern, "serve", app], capture_output=True, text=True, timeout=60)
    check(p.returncode == 1 and "tern serve runs a .wasm" in p.stderr, f"serve spin.toml: {p.stderr}")
    p = subprocess.run([args.tern, "serve", os.path.join(args.wasm_dir, "guests/files.wasm"), "--dir",
                        "::/x"], capture_output=True, text=True, timeout=60)
    check(p.returncode == 1 and "--dir expects HOST[::GUEST]" in p.stderr, f"serve --dir ::/x: {p.stderr}")
    print("PASS tern serve misuse")


def doctor(args, tmp):
    p = subprocess.run([args.tern, "doctor", "http-c"], capture_output=True, text=True, timeout=60,
                       cwd=tmp)
    check(p.returncode == 0 and p.stdout.startswith("http-c:    ok (clang-14"),
          f"doctor http-c: {p.returncode} {p.stdout}{p.stderr}")
    env = dict(os.environ, PATH="/nonexistent")
    p = subprocess.run([args.tern, "doctor", "http-c", "http-js"], capture_output=True, text=True,
                       timeout=60, cwd=tmp, env=env)
    check(p.returncode == 1 and "missing clang-14, wasm-ld-14" in p.stdout and
          "apt-get install clang-14 lld-14" in p.stdout and "http-js:   missing node, npm" in p.stdout,
          f"doctor with no PATH: {p.stdout}")
    app = os.path.join(tmp, "doctor-app")
    os.makedirs(app)
    with open(os.path.join(app, "spin.toml"), "w") as f:
        f.write('spin_manifest_version = 2\n[application]\nname = "d"\n[[trigger.http]]\n'
                'route = "/"\ncomponent = "d"\n[component.d]\nsource = "d.wasm"\n'
                '[component.d.build]\ncommand = "true"\n')
    p = subprocess.run([args.tern, "doctor", "http-c", "-f", app], capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 1 and "d.wasm does not exist yet (run `tern build`)" in p.stdout,
          f"doctor on an unbuilt app: {p.stdout}")
    p = subprocess.run([args.tern, "doctor", "nope"], capture_output=True, text=True, timeout=60)
    check(p.returncode == 1 and "unknown template 'nope'" in p.stderr, f"doctor nope: {p.stderr}")
    print("PASS tern doctor")


def watch(args, tmp):
    """tern watch: build + serve; a source edit rebuilds and restarts; a broken build keeps the
    running app; SIGTERM stops watch and its server."""
    import queue
    import threading
    app = os.path.join(tmp, "watched")
    p = subprocess.run([args.tern, "new", "http-c", "watched", "-o", app], capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 0, f"tern new: {p.stderr}")
    cache = os.path.join(tmp, "watch-cache")
    w = subprocess.Popen([args.tern, "watch", "-f", app, "--poll-ms", "200", "--listen",
                          "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=dict(os.environ, TERN_CACHE_DIR=cache))
    lines = queue.Queue()
    errors = []
    threading.Thread(target=lambda: [lines.put(l) for l in w.stdout], daemon=True).start()
    threading.Thread(target=lambda: [errors.append(l) for l in w.stderr], daemon=True).start()

    def serving(timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            m = re.match(r"Serving http://127\.0\.0\.1:(\d+)", line)
            if m:
                return int(m.group(1))
        raise SystemExit(f"FAIL: tern watch did not (re)start serving: {''.join(errors)}")

    try:
        port = serving()
        status, body = get(port, "/")
        check(status == 200 and "Hello from watched (C)" in body, f"first app: {status} {body}")
        src = os.path.join(app, "main.c")
        with open(src) as f:
            text = f.read()
        with open(src, "w") as f:
            f.write(text.replace("Hello from", "Rebuilt from"))
        port = serving()
        status, body = get(port, "/")
        check(status == 200 and "Rebuilt from watched (C)" in body, f"after edit: {status} {body}")
        with open(src, "w") as f:
            f.write("this is not C\n")
        end = time.time() + 60
        while time.time() < end and not any("build failed" in e for e in errors):
            time.sleep(0.2)
        check(any("build failed; keeping the running app" in e for e in errors),
              f"no build failure reported: {''.join(errors)}")
        status, body = get(port, "/")
        check(status == 200 and "Rebuilt from" in body, "the running app died with the build")
    finally:
        w.send_signal(signal.SIGTERM)
        try:
            rc = w.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.kill()
            raise SystemExit("FAIL: tern watch did not stop after SIGTERM")
    check(rc == 0, f"tern watch exited {rc}")
    try:
        get(port, "/", timeout=2)
        raise SystemExit("FAIL: the watched server outlived tern watch")
    except OSError:
        pass
    print("PASS tern watch")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--wasm-dir", required=True)
    args = ap.parse_args()
    version(args)
    with tempfile.TemporaryDirectory(prefix="tern-cli-") as tmp:
        temp_dir(args, tmp)
        up_wasm(args, tmp)
        serve_misuse(args, tmp)
        doctor(args, tmp)
        watch(args, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
