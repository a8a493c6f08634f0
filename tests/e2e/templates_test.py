#!/usr/bin/env python3
"""`tern new TEMPLATE NAME` and `tern templates list` against the real binary: the developer loop.

For every template given: `tern new <id> hello` in a temp folder, `tern build` there (the
template's own build command: clang-14, componentize-js through npm ci, or rustc), `tern up` on a
free port, and a real HTTP GET must answer the template's greeting. Then `-o DIR` with a
mixed-case NAME, and the errors: unknown template, non-empty folder, bad name, missing NAME.
`templates list` must print exactly the ids and descriptions under templates/ in the source.
Usage: templates_test.py --tern build/tern --source . --templates http-c,http-js[,http-rust]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from tern_process import check, get, start_tern

# The first line of each template's answer to GET /greet/me (NAME is "hello").
GREETING = {
    "http-c": "Hello from hello (C)",
    "http-js": "Hello from hello (JavaScript)",
    "http-rust": "Hello from hello (Rust)",
}


def tern(args, argv, cwd, timeout=60, env=None):
    return subprocess.run([args.tern] + argv, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def source_templates(source):
    """{id: description} from templates/<id>/metadata/spin-template.toml."""
    out = {}
    root = os.path.join(source, "templates")
    for tid in sorted(os.listdir(root)):
        meta = os.path.join(root, tid, "metadata", "spin-template.toml")
        if os.path.isfile(meta):
            m = re.search(r'^description = "([^"]*)"$', open(meta).read(), re.M)
            out[tid] = m.group(1)
    return out


def templates_list(args):
    p = tern(args, ["templates", "list"], None)
    check(p.returncode == 0, f"templates list: {p.returncode} {p.stderr}")
    lines = p.stdout.splitlines()
    check(lines and lines[0].split() == ["Name", "Description"], f"header: {p.stdout!r}")
    listed = {}
    for line in lines[1:]:
        tid, desc = line.split(None, 1)
        listed[tid] = desc
    expected = source_templates(args.source)
    check(listed == expected, f"templates list printed {listed}, templates/ holds {expected}")
    print(f"PASS templates list ({', '.join(listed)})")


def serve(args, cwd, cache):
    """`tern up` in CWD (./spin.toml) on a free port: (process, port)."""
    return start_tern(args.tern, ["up"], cache, cwd=cwd, timeout=300)


def build_and_serve(args, project, cache, greeting):
    """`tern build` then `tern up` in PROJECT; GET /greet/me must answer GREETING and the path."""
    env = dict(os.environ, npm_config_prefer_offline="true", npm_config_update_notifier="false")
    t0 = time.time()
    b = tern(args, ["build"], project, timeout=900, env=env)
    check(b.returncode == 0, f"tern build in {project}: {b.returncode}\n{b.stdout}\n{b.stderr}")
    check("Finished building all Spin components" in b.stdout, f"tern build said {b.stdout!r}")
    built = time.time() - t0
    p, port = serve(args, project, cache)
    try:
        status, body = get(port, "/greet/me", timeout=120)
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=30)
    check(status == 200, f"GET /greet/me: {status} {body!r}")
    lines = body.splitlines()
    check(lines[:1] == [greeting], f"GET /greet/me: {body!r}, expected {greeting!r} first")
    check("path: /greet/me" in lines, f"GET /greet/me: no 'path: /greet/me' in {body!r}")
    check(rc == 0, f"tern up exited {rc}")
    return built


def new_hello(args, tmp, tid):
    work = os.path.join(tmp, tid)
    os.makedirs(work)
    p = tern(args, ["new", tid, "hello"], work)
    check(p.returncode == 0, f"tern new {tid} hello: {p.returncode} {p.stderr}")
    project = os.path.join(work, "hello")
    check(os.path.isfile(os.path.join(project, "spin.toml")), f"no {project}/spin.toml")
    check("tern up --build" in p.stdout, f"tern new printed {p.stdout!r}")
    for root, _, files in os.walk(project):
        for f in files:
            text = open(os.path.join(root, f), errors="replace").read()
            check("{{" not in text, f"{tid}: placeholder left in {f}")
    built = build_and_serve(args, project, os.path.join(tmp, "cache"), GREETING[tid])
    print(f"PASS tern new {tid} hello -> tern build ({built:.1f} s) -> tern up -> GET")


def output_dir(args, tmp):
    """-o DIR (nested, created) and a mixed-case NAME: component my-app, source my_app.wasm."""
    out = os.path.join(tmp, "out", "nested")
    p = tern(args, ["new", "http-c", "MyApp", "-o", out, "--accept-defaults"], tmp)
    check(p.returncode == 0, f"tern new -o: {p.returncode} {p.stderr}")
    manifest = open(os.path.join(out, "spin.toml")).read()
    check("[component.my-app]" in manifest and 'source = "my_app.wasm"' in manifest,
          f"-o spin.toml: {manifest}")
    check(not os.path.exists(os.path.join(tmp, "MyApp")), "-o also wrote ./MyApp")
    build_and_serve(args, out, os.path.join(tmp, "cache"), "Hello from MyApp (C)")
    print("PASS tern new http-c MyApp -o DIR")


def errors(args, tmp):
    p = tern(args, ["new", "http-cobol", "hello"], tmp)
    check(p.returncode == 1 and "unknown template 'http-cobol'" in p.stderr
          and "http-c" in p.stderr and "http-js" in p.stderr, f"unknown template: {p.stderr!r}")
    check(not os.path.exists(os.path.join(tmp, "hello")), "unknown template wrote ./hello")

    busy = os.path.join(tmp, "busy")
    os.makedirs(busy)
    with open(os.path.join(busy, "mine.txt"), "w") as f:
        f.write("keep me")
    for argv in (["new", "http-c", "busy"], ["new", "http-c", "x", "-o", busy]):
        p = tern(args, argv, tmp)
        check(p.returncode == 1 and "already exists and is not empty" in p.stderr,
              f"{argv}: {p.returncode} {p.stderr!r}")
    check(os.listdir(busy) == ["mine.txt"] and open(os.path.join(busy, "mine.txt")).read() == "keep me",
          f"non-empty folder changed: {os.listdir(busy)}")

    p = tern(args, ["new", "http-c", "../escape"], tmp)
    check(p.returncode == 1 and "project name '../escape'" in p.stderr, f"bad name: {p.stderr!r}")
    p = tern(args, ["new", "http-c"], tmp)
    check(p.returncode == 1 and "needs a TEMPLATE and a NAME" in p.stderr, f"no NAME: {p.stderr!r}")
    p = tern(args, ["templates"], tmp)
    check(p.returncode != 0, f"tern templates without list: {p.returncode}")
    print("PASS tern new errors (unknown template, non-empty folder, bad name, no NAME)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--templates", default="", help="comma-separated ids to build and serve")
    args = ap.parse_args()
    args.tern = os.path.abspath(args.tern)
    ids = [t for t in args.templates.split(",") if t]
    templates_list(args)
    for tid in sorted(set(source_templates(args.source)) - set(ids)):
        print(f"SKIP {tid}: its toolchain was not found when CMake configured")
    with tempfile.TemporaryDirectory(prefix="tern-templates-") as tmp:
        errors(args, tmp)
        if "http-c" in ids:
            output_dir(args, tmp)
        for tid in ids:
            new_hello(args, tmp, tid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
