"""`tern registry push/pull`, `tern up --from REF`, `tern sign/verify`, `tern policy check` and
`tern registry login` against real docker-registry servers, with skopeo and openssl as the
independent readers of what Tern wrote."""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from registry import Registry  # noqa: E402
from tern_process import check, get, start_tern  # noqa: E402


def run(argv, env=None, stdin=None, expect_ok=True):
    p = subprocess.run(argv, capture_output=True, text=True, env=env, input=stdin, timeout=300)
    if expect_ok:
        check(p.returncode == 0, f"{' '.join(argv)} failed ({p.returncode}): {p.stderr}{p.stdout}")
    return p


def make_app(root, wasm_dir, name="multi", marker="one"):
    """Two WAGI components (files.c serves its files, env.c prints its environment) with static
    files: one inlined (< 128 bytes) and one big enough for its own layer."""
    app = os.path.join(root, name)
    os.makedirs(os.path.join(app, "static", "sub"), exist_ok=True)
    os.makedirs(os.path.join(app, "assets"), exist_ok=True)
    shutil.copy(os.path.join(wasm_dir, "guests", "files.wasm"), os.path.join(app, "files.wasm"))
    shutil.copy(os.path.join(wasm_dir, "guests", "env.wasm"), os.path.join(app, "env.wasm"))
    with open(os.path.join(app, "static", "hello.txt"), "w") as f:
        f.write(f"hello {marker}\n")
    with open(os.path.join(app, "static", "sub", "big.txt"), "w") as f:
        f.write(("big file line %s\n" % marker) * 40)
    with open(os.path.join(app, "assets", "a.txt"), "w") as f:
        f.write("asset a\n")
    with open(os.path.join(app, "spin.toml"), "w") as f:
        f.write(f"""spin_manifest_version = 2
[application]
name = "{name}"
version = "1.2.3"
[[trigger.http]]
route = "/files/..."
component = "files"
executor = {{ type = "wagi" }}
[[trigger.http]]
route = "/env"
component = "env"
executor = {{ type = "wagi" }}
[component.files]
source = "files.wasm"
files = ["static/**", {{ source = "assets", destination = "/assets" }}]
[component.env]
source = "env.wasm"
environment = {{ GREETING = "hi-{marker}" }}
""")
    return app


PATHS = ["/files/static/hello.txt", "/files/static/sub/big.txt", "/files/assets/a.txt",
         "/files/static/none.txt"]


def responses(tern, argv, cache, cwd=None):
    p, port = start_tern(tern, argv, cache, cwd=cwd)
    try:
        out = [get(port, path) for path in PATHS]
        status, env = get(port, "/env")
        out.append((status, "GREETING=" in env and env.split("GREETING=")[1].split("\n")[0]))
        return out
    finally:
        p.terminate()
        p.wait(timeout=30)


def skopeo_raw(ref, config=False):
    argv = ["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"]
    if config:
        argv.insert(3, "--config")
    return json.loads(run(argv).stdout)


def refused(tern, ref, extra, cache, want):
    p = run([tern, "up", "--from", ref, "-k", "--listen", "127.0.0.1:0"] + extra,
            env=dict(os.environ, TERN_CACHE_DIR=cache), expect_ok=False)
    check(p.returncode != 0, f"{ref} {extra} was served, expected a refusal")
    check("Serving" not in p.stdout, f"{ref}: something was served")
    check(want in p.stderr, f"{ref} {extra}: expected '{want}' in: {p.stderr}")
    lines = [l for l in p.stderr.splitlines() if l.startswith("error:")]
    check(len(lines) == 1, f"one error line expected, got: {p.stderr}")
    print(f"ok: refused {want!r}: {lines[0]}")


def test_round_trip(a, tern, wasm_dir, tmp):
    app = make_app(tmp, wasm_dir)
    ref = f"{a.host}/apps/multi:v1"
    out = run([tern, "registry", "push", "-k", "-f", app, ref]).stdout
    check(out.startswith("Pushed with digest sha256:"), f"push printed: {out}")
    digest = out.split()[-1]
    again = run([tern, "registry", "push", "-k", "-f", app, ref]).stdout.split()[-1]
    check(again == digest, "pushing the same app twice gave another digest")
    raw = skopeo_raw(ref)
    types = [l["mediaType"] for l in raw["layers"]]
    check(types.count("application/vnd.wasm.content.layer.v1+wasm") == 2, f"layers: {types}")
    check("application/vnd.wasm.content.layer.v1+data" in types, f"layers: {types}")
    check(types[-1] == "application/vnd.fermyon.spin.application.v1+config", f"layers: {types}")
    check(len(set(l["digest"] for l in raw["layers"])) == len(types), "duplicate layers")
    cfg = skopeo_raw(ref, config=True)
    check(cfg["architecture"] == "wasm" and cfg["os"] == "wasip1", f"config: {cfg}")
    print(f"ok: pushed {ref} {digest}; skopeo sees {len(types)} layers of Spin's media types")
    # skopeo copies the artifact (to a folder, and to another repository) and tern runs the copy.
    out_dir = os.path.join(tmp, "skopeo-dir")
    run(["skopeo", "copy", "--src-tls-verify=false", f"docker://{ref}", f"dir:{out_dir}"])
    for l in raw["layers"]:
        check(os.path.exists(os.path.join(out_dir, l["digest"].split(":")[1])),
              f"skopeo copy lacks layer {l['digest']}")
    copied = f"{a.host}/apps/copied:v1"
    run(["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
         f"docker://{ref}", f"docker://{copied}"])
    p = run([tern, "registry", "pull", "-k", copied, "--cache-dir", os.path.join(tmp, "c-copy")])
    check(digest in p.stdout, f"skopeo's copy has another digest: {p.stdout}")
    print("ok: skopeo copy reads the artifact; tern pulls skopeo's copy (same digest)")
    pulled = run([tern, "registry", "pull", "-k", ref, "--cache-dir", os.path.join(tmp, "c1"),
                  "--output", os.path.join(tmp, "pulled")]).stdout
    check("layers fetched" in pulled and os.path.exists(os.path.join(tmp, "pulled", "spin.toml")),
          pulled)
    local = responses(tern, ["up", "-f", app], os.path.join(tmp, "c-local"))
    remote = responses(tern, ["up", "--from", ref, "-k"], os.path.join(tmp, "c-clean"))
    check(local == remote, f"served differently:\nlocal  {local}\nremote {remote}")
    check(local[0] == (200, "hello one\n") and local[3][0] == 404 and local[4][1] == "hi-one",
          f"unexpected responses {local}")
    pinned = responses(tern, ["up", "--from", f"{a.host}/apps/multi@{digest}", "-k"],
                       os.path.join(tmp, "c-clean"))
    check(pinned == local, "the digest reference served differently")
    print("ok: tern up --from REF (clean cache) and REF@digest serve what tern up -f serves")
    return ref, digest


def test_signatures(a, tern, tmp, ref, digest):
    for name in ("k1", "k2"):
        run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", os.path.join(tmp, f"{name}.key")])
        run(["openssl", "pkey", "-in", os.path.join(tmp, f"{name}.key"), "-pubout", "-out",
             os.path.join(tmp, f"{name}.pub")])
    k1, pub1, pub2 = (os.path.join(tmp, x) for x in ("k1.key", "k1.pub", "k2.pub"))
    run([tern, "sign", "-k", "--key", k1, ref])
    repo = ref.split("/", 1)[1].rsplit(":", 1)[0]
    sig_tag = "sha256-" + digest.split(":")[1] + ".sig"
    sig = skopeo_raw(f"{a.host}/{repo}:{sig_tag}")
    layer = sig["layers"][0]
    check(layer["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json", str(layer))
    payload = a.get(f"/v2/{repo}/blobs/{layer['digest']}")
    claims = json.loads(payload)
    check(claims["critical"]["image"]["docker-manifest-digest"] == digest, str(claims))
    check(claims["critical"]["type"] == "cosign container image signature", str(claims))
    check(claims["critical"]["identity"]["docker-reference"] == f"{a.host}/{repo}", str(claims))
    with open(os.path.join(tmp, "payload"), "wb") as f:
        f.write(payload)
    with open(os.path.join(tmp, "sig"), "wb") as f:
        f.write(base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"]))
    v = run(["openssl", "dgst", "-sha256", "-verify", pub1, "-signature",
             os.path.join(tmp, "sig"), os.path.join(tmp, "payload")]).stdout
    check("Verified OK" in v, v)
    print("ok: payload names the pushed digest; openssl dgst -verify accepts the signature")
    run([tern, "verify", "-k", "--key", pub1, ref])
    check(run([tern, "verify", "-k", "--key", pub2, ref], expect_ok=False).returncode != 0,
          "verify with another key passed")
    served = responses(tern, ["up", "--from", ref, "-k", "--verify-key", pub1],
                       os.path.join(tmp, "c-signed"))
    check(served[0] == (200, "hello one\n"), f"signed app served {served}")
    print("ok: tern verify and tern up --verify-key accept the signed app")
    return pub1, pub2, sig_tag


def test_refusals(a, tern, wasm_dir, tmp, ref, digest, pub1, pub2, sig_tag):
    cache = os.path.join(tmp, "c-refuse")
    unsigned = f"{a.host}/apps/unsigned:v1"
    run([tern, "registry", "push", "-k", "-f", make_app(tmp, wasm_dir, "unsigned", "u"), unsigned])
    refused(tern, unsigned, ["--verify-key", pub1], cache, "is not signed")
    refused(tern, ref, ["--verify-key", pub2], cache, "none by")
    # Re-tagged: another app under the signed tag, with the old signature copied to its .sig tag.
    retag = f"{a.host}/apps/retag:v1"
    run([tern, "registry", "push", "-k", "-f", make_app(tmp, wasm_dir, "multi", "one"), retag])
    run([tern, "sign", "-k", "--key", os.path.join(tmp, "k1.key"), retag])
    other = run([tern, "registry", "push", "-k", "-f", make_app(tmp, wasm_dir, "evil", "evil"),
                 retag]).stdout.split()[-1]
    old_sig = a.get(f"/v2/apps/retag/manifests/{sig_tag}",
                    accept="application/vnd.oci.image.manifest.v1+json")
    a.put_manifest("apps/retag", "sha256-" + other.split(":")[1] + ".sig", old_sig)
    refused(tern, retag, ["--verify-key", pub1], cache, "re-tagged image or copied signature")
    # Tampered layer: the registry's stored bytes of the big static file change.
    tamper = f"{a.host}/apps/tamper:v1"
    tdigest = run([tern, "registry", "push", "-k", "-f",
                   make_app(tmp, wasm_dir, "tamper", "t"), tamper]).stdout.split()[-1]
    run([tern, "sign", "-k", "--key", os.path.join(tmp, "k1.key"), tamper])
    raw = skopeo_raw(tamper)
    data = [l for l in raw["layers"] if l["mediaType"].endswith("+data")][0]
    path = a.blob_path("apps/tamper", data["digest"])
    with open(path, "r+b") as f:
        f.seek(3)
        f.write(b"X")
    refused(tern, tamper, ["--verify-key", pub1], os.path.join(tmp, "c-tamper"), "digest mismatch")
    check(tdigest != digest, "distinct apps")


def test_policy(a, tern, tmp, ref, digest, pub1):
    policy = os.path.join(tmp, "policy.toml")
    with open(policy, "w") as f:
        f.write(f"""[[verify]]
image = "{a.host}/apps/multi"
keys = ["{os.path.basename(pub1)}"]
require_digest = true
limits = {{ max_instance_memory = "32MiB" }}
[[verify]]
image = "{a.host}/apps/unsigned"
keys = ["{os.path.basename(pub1)}"]
""")
    p = run([tern, "policy", "check", "-k", "--policy", policy, ref], expect_ok=False)
    check(p.returncode != 0 and "digest-pinned" in p.stdout, p.stdout + p.stderr)
    pinned = f"{a.host}/apps/multi@{digest}"
    p = run([tern, "policy", "check", "-k", "--policy", policy, pinned])
    check("allowed" in p.stdout and "verified with" in p.stdout and
          "max_instance_memory" in p.stdout, p.stdout)
    p = run([tern, "policy", "check", "-k", "--policy", policy, f"{a.host}/apps/unsigned:v1"],
            expect_ok=False)
    check(p.returncode != 0 and "is not signed" in p.stdout, p.stdout)
    p = run([tern, "policy", "check", "-k", "--policy", policy, f"{a.host}/apps/tamper:v1"],
            expect_ok=False)
    check(p.returncode != 0 and "no rule" in p.stdout, p.stdout)
    refused(tern, f"{a.host}/apps/unsigned:v1", ["--policy", policy], os.path.join(tmp, "c-p"),
            "is not signed")
    served = responses(tern, ["up", "--from", pinned, "-k", "--policy", policy],
                       os.path.join(tmp, "c-policy"))
    check(served[0] == (200, "hello one\n"), str(served))
    print("ok: policy check explains pinning, signature and unmatched decisions; up --policy obeys")


def test_login(tern, wasm_dir, tmp):
    htpasswd = os.path.join(tmp, "htpasswd")
    with open(htpasswd, "w") as f:
        f.write(run(["htpasswd", "-Bbn", "alice", "s3cret"]).stdout)
    b = Registry(os.path.join(tmp, "reg-b"), htpasswd=htpasswd)
    try:
        env = dict(os.environ, TERN_CONFIG_DIR=os.path.join(tmp, "config"))
        ref = f"{b.host}/apps/private:v1"
        app = make_app(tmp, wasm_dir, "private", "p")
        p = run([tern, "registry", "push", "-k", "-f", app, ref], env=env, expect_ok=False)
        check(p.returncode != 0 and "needs a login" in p.stderr, p.stderr)
        p = run([tern, "registry", "login", "-k", "-u", "alice", "--password-stdin", b.host],
                env=env, stdin="wrong\n", expect_ok=False)
        check(p.returncode != 0, "a wrong password logged in")
        run([tern, "registry", "login", "-k", "-u", "alice", "--password-stdin", b.host], env=env,
            stdin="s3cret\n")
        out = run([tern, "registry", "push", "-k", "-f", app, ref], env=env).stdout
        check(out.startswith("Pushed with digest"), out)
        run([tern, "registry", "pull", "-k", ref, "--cache-dir", os.path.join(tmp, "c-b")], env=env)
        print("ok: basic-auth registry: refused without login, push/pull after tern registry login")
    finally:
        b.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tern", required=True)
    ap.add_argument("--wasm-dir", required=True, help="build/tests/e2e (guests/*.wasm)")
    args = ap.parse_args()
    for tool in ("docker-registry", "skopeo", "htpasswd", "openssl"):
        if not shutil.which(tool):
            raise SystemExit(f"FAIL: {tool} is not installed (scripts/setup installs it)")
    tmp = tempfile.mkdtemp(prefix="tern-oci-")
    a = Registry(os.path.join(tmp, "reg-a"))
    try:
        ref, digest = test_round_trip(a, args.tern, args.wasm_dir, tmp)
        pub1, pub2, sig_tag = test_signatures(a, args.tern, tmp, ref, digest)
        test_refusals(a, args.tern, args.wasm_dir, tmp, ref, digest, pub1, pub2, sig_tag)
        test_policy(a, args.tern, tmp, ref, digest, pub1)
        test_login(args.tern, args.wasm_dir, tmp)
    finally:
        a.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
