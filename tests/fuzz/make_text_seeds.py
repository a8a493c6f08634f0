#!/usr/bin/env python3
"""Regenerates the text corpora under tests/fuzz/corpus/ from the test fixtures:
  manifest/      every tests/e2e/*/spin.toml and examples/*/spin.toml, plus a few broken ones;
  http_request/  every request in tests/e2e/*/exchange.http, as run_e2e.py sends it (bodies cut
                 to at most 512 bytes; pipelined requests kept together in one file);
  cgi_response/  CGI outputs in the forms RFC 3875 section 6 allows, plus broken ones.
Run by hand after the fixtures change; the output is committed."""
import importlib.util
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "corpus"
MAX_REPEAT = 512

EXTRA_MANIFESTS = {
    "broken_unterminated_string": 'spin_manifest_version = 2\n[application]\nname = "x\n',
    "broken_wrong_types": "spin_manifest_version = \"2\"\n[application]\nname = 3\n"
                          "[[trigger.http]]\nroute = 7\ncomponent = []\n",
    "broken_nested_arrays": "spin_manifest_version = 2\nx = " + "[" * 300 + "]" * 300 + "\n",
    "inline_component": 'spin_manifest_version = 2\n[application]\nname = "i"\n'
                        '[[trigger.http]]\nroute = "/:a/:b/..."\nid = "t1"\n'
                        'component = { source = "a.wasm", '
                        'files = [{ source = "s", destination = "/d" }] }\n'
                        'executor = { type = "wagi", argv = "${SCRIPT_NAME} ${ARGS}" }\n',
    "unicode_escapes": 'spin_manifest_version = 2\n[application]\nname = "\\u00e9\\U0001F600"\n'
                       'description = """multi\nline"""\nauthors = [\'lit\', "\\t"]\n',
}

# Requests for the http_request target's own App (see http_request_target.cc): the echo guest
# returns the body as its CGI output.
EXTRA_REQUESTS = {
    "fuzz_app_cgi_echo": b"POST /exact?a=1&b=2 HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n"
                         b"Content-Type: text/plain\n\nhi\n\n",
    "fuzz_app_cgi_status": b"PUT /users/1/posts/2 HTTP/1.1\r\nHost: h\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n"
                           b"1c\r\nStatus: 418 Teapot\nX-A: b\n\nt\r\n0\r\n\r\n",
    "fuzz_app_cgi_location": b"POST /wild/x/y%2Fz HTTP/1.0\r\nContent-Length: 16\r\n\r\n"
                             b"Location: /else\n\n",
    "fuzz_app_reserved": b"GET /.well-known/spin/health HTTP/1.1\r\nHost: h\r\n\r\n"
                         b"GET /.well-known/spin/info HTTP/1.1\r\nHost: h\r\n\r\n"
                         b"HEAD /static-response HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    "fuzz_app_absolute_form": b"OPTIONS http://h:3000/users/a/posts/b?q HTTP/1.1\r\nHost: h\r\n"
                              b"Expect: 100-continue\r\nContent-Length: 5\r\n\r\nabcde",
}

CGI_RESPONSES = {
    "document": b"Content-Type: text/plain\n\nhello\n",
    "crlf": b"Content-Type: text/html\r\nX-Extra: 1\r\n\r\n<p>hi</p>",
    "status": b"Status: 404 Not Found\nContent-Type: text/plain\n\nmissing\n",
    "status_no_reason": b"Status: 201\ncontent-type: a/b\n\n",
    "local_redirect": b"Location: /elsewhere\n\n",
    "client_redirect": b"Location: http://example.com/\nStatus: 301 Moved\n\n",
    "no_headers": b"just a body\n",
    "no_blank_line": b"Content-Type: text/plain\n",
    "bad_status": b"Status: abc\nContent-Type: text/plain\n\n",
    "huge_status": b"Status: 99999999999999999999 X\nContent-Type: text/plain\n\n",
    "header_without_colon": b"Content-Type text/plain\n\nbody",
    "empty": b"",
}


def load_e2e_driver():
    spec = importlib.util.spec_from_file_location("run_e2e", ROOT / "tests/e2e/run_e2e.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    real_expand = mod.expand
    mod.expand = lambda text: real_expand(
        mod.REPEAT.sub(lambda m: "{repeat:%d:%s}" % (min(int(m.group(1)), MAX_REPEAT), m.group(2)),
                       text))
    return mod


def http_requests(driver):
    out = {}
    for exchange in sorted((ROOT / "tests/e2e").glob("*/exchange.http")):
        case = exchange.parent.name
        steps = driver.parse_exchange(exchange.read_text())
        pending = b""
        n = 0
        for step in steps:
            if step[0] != "send":
                continue
            _, opts, raw = step
            data, _ = driver.build_request(raw, opts)
            pending += data
            if "pipeline" in opts:
                continue  # sent together with the next request
            n += 1
            out[f"{case}_{n}"] = pending
            pending = b""
        if pending:
            out[f"{case}_{n + 1}"] = pending
    return out


def write(folder, files, ext):
    d = OUT / folder
    d.mkdir(parents=True, exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    for name, data in sorted(files.items()):
        (d / (name + ext)).write_bytes(data if isinstance(data, bytes) else data.encode())
    print(f"make_text_seeds: {len(files)} files in {d}", file=sys.stderr)


def main():
    manifests = {}
    for toml in sorted((ROOT / "tests/e2e").glob("*/spin.toml")):
        manifests["e2e_" + toml.parent.name] = toml.read_bytes()
    for toml in sorted((ROOT / "examples").glob("*/spin.toml")):
        manifests["example_" + toml.parent.name] = toml.read_bytes()
    manifests.update(EXTRA_MANIFESTS)
    write("manifest", manifests, ".toml")
    requests = http_requests(load_e2e_driver())
    requests.update(EXTRA_REQUESTS)
    write("http_request", requests, ".http")
    write("cgi_response", CGI_RESPONSES, ".cgi")


if __name__ == "__main__":
    main()
