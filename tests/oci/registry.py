"""A real Debian docker-registry for tests and benchmarks: its own config and storage folder, on
a free loopback port, optionally behind htpasswd basic auth; stopped by PID."""
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    def __init__(self, root, htpasswd=None):
        self.root = root
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        os.makedirs(root, exist_ok=True)
        auth = ""
        if htpasswd:
            auth = f"auth:\n  htpasswd:\n    realm: tern-test\n    path: {htpasswd}\n"
        config = os.path.join(root, "config.yml")
        with open(config, "w") as f:
            f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}/data
  delete:
    enabled: true
http:
  addr: {self.host}
  secret: tern-test-secret
{auth}""")
        self.log = open(os.path.join(root, "registry.log"), "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", config], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=2)
                return
            except urllib.error.HTTPError as e:  # 401 from an auth registry: it is up
                if e.code == 401:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"FAIL: docker-registry did not start on {self.host}")

    def blob_path(self, repo, digest):
        hexd = digest.split(":", 1)[1]
        return os.path.join(self.root, "data", "docker", "registry", "v2", "blobs", "sha256",
                            hexd[:2], hexd, "data")

    def get(self, path, accept=None):
        req = urllib.request.Request(f"http://{self.host}{path}")
        if accept:
            req.add_header("Accept", accept)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()

    def put_manifest(self, repo, tag, body):
        req = urllib.request.Request(f"http://{self.host}/v2/{repo}/manifests/{tag}", data=body,
                                     method="PUT")
        req.add_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
