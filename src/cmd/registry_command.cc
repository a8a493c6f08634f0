// The registry, signing and policy commands on top of src/oci and src/sign.
#include "cmd/registry_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "oci/credentials.h"
#include "oci/pull.h"
#include "oci/signature.h"
#include "oci/spin_app.h"
#include "oci/trust.h"
#include "sign/keys.h"

namespace tern::cmd {
namespace {

int report(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.toString().c_str());
  return 1;
}

std::string cacheRoot(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* x = std::getenv("TERN_CACHE_DIR")) return x;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/tern";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.cache/tern";
  return "/tmp/tern-cache";
}

Result<oci::Reference> reference(const std::string& text) { return oci::parseReference(text); }

oci::ClientOptions clientOptions(bool insecure, bool push = false) {
  oci::ClientOptions c;
  c.insecure = insecure;
  c.push = push;
  return c;
}

oci::PullOptions pullOptions(const std::string& cache_dir, const std::string& output) {
  oci::PullOptions p;
  p.cache_dir = cacheRoot(cache_dir);
  p.output_dir = output;
  return p;
}

oci::TrustOptions trustOptions(std::vector<std::string> keys, const std::string& policy) {
  oci::TrustOptions t;
  t.key_paths = std::move(keys);
  t.policy_path = policy;
  return t;
}

int runPush(const RegistryOptions& o) {
  auto ref = reference(o.reference);
  if (!ref) return report(ref.error());
  std::string path = manifest::resolveManifestPath(o.file);
  auto m = manifest::loadManifest(path);
  if (!m) {
    std::fprintf(stderr, "error: cannot load %s:\n%s\n", path.c_str(), m.error().message.c_str());
    return 1;
  }
  auto app = oci::packageApp(*m);
  if (!app) return report(app.error());
  oci::RegistryClient client(*ref, clientOptions(o.insecure, true));
  auto digest = oci::pushApp(client, *app);
  if (!digest) return report(digest.error());
  std::printf("Pushed with digest %s\n", digest->c_str());
  return 0;
}

int runPull(const RegistryOptions& o) {
  auto ref = reference(o.reference);
  if (!ref) return report(ref.error());
  oci::RegistryClient client(*ref, clientOptions(o.insecure));
  auto t0 = std::chrono::steady_clock::now();
  auto pulled = oci::pullApp(client, pullOptions(o.cache_dir, o.output));
  if (!pulled) return report(pulled.error());
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("Pulled %s@%s to %s (%zu layers fetched, %zu cached%s, %.1f ms)\n",
              ref->repositoryName().c_str(), pulled->manifest_digest.c_str(), pulled->dir.c_str(),
              pulled->layers_fetched, pulled->layers_cached,
              pulled->reused ? ", folder reused" : "", ms);
  return 0;
}

int runLogin(const RegistryOptions& o) {
  std::string password = o.password;
  if (o.password_stdin) {
    std::getline(std::cin, password);
    while (!password.empty() && (password.back() == '\r' || password.back() == '\n')) {
      password.pop_back();
    }
  }
  if (o.username.empty() || password.empty()) {
    std::fprintf(stderr, "error: login needs --username and --password or --password-stdin\n");
    return 1;
  }
  // Check the credentials against the registry's API root before storing them.
  oci::Reference probe{o.reference, "tern-login-check", "latest", ""};
  oci::ClientOptions co = clientOptions(o.insecure);
  co.credentials = oci::Credentials{o.username, password};
  oci::RegistryClient client(probe, co);
  bool not_found = false;
  auto m = client.getManifest("latest", &not_found);
  if (!m && !not_found) return report(m.error());
  auto stored = oci::storeCredentials(o.reference, {o.username, password});
  if (!stored) return report(stored.error());
  std::printf("Login Succeeded (%s)\n", oci::credentialsPath().c_str());
  return 0;
}

int runSign(const RegistryOptions& o) {
  auto ref = reference(o.reference);
  if (!ref) return report(ref.error());
  auto key = sign::PrivateKey::load(o.key);
  if (!key) return report(key.error());
  oci::RegistryClient client(*ref, clientOptions(o.insecure, true));
  auto m = client.getManifest(ref->manifestRef());
  if (!m) return report(m.error());
  auto sig = oci::signImage(client, m->digest, *key);
  if (!sig) return report(sig.error());
  std::printf("Signed %s@%s (signature %s:%s)\n", ref->repositoryName().c_str(), m->digest.c_str(),
              ref->repositoryName().c_str(), oci::signatureTag(m->digest).c_str());
  return 0;
}

int runVerify(const RegistryOptions& o) {
  auto ref = reference(o.reference);
  if (!ref) return report(ref.error());
  oci::RegistryClient client(*ref, clientOptions(o.insecure));
  auto d = oci::decideTrust(client, trustOptions({o.key}, ""));
  if (!d) return report(d.error());
  std::printf("Verified %s@%s\n", ref->repositoryName().c_str(), d->manifest.digest.c_str());
  for (const auto& w : d->why) std::printf("  %s\n", w.c_str());
  return 0;
}

int runPolicyCheck(const RegistryOptions& o) {
  auto ref = reference(o.reference);
  if (!ref) return report(ref.error());
  oci::RegistryClient client(*ref, clientOptions(o.insecure));
  auto d = oci::decideTrust(client, trustOptions({}, o.policy));
  if (!d) {
    std::printf("refused: %s\n", d.error().toString().c_str());
    return 1;
  }
  std::printf("allowed: %s@%s\n", ref->repositoryName().c_str(), d->manifest.digest.c_str());
  for (const auto& w : d->why) std::printf("  %s\n", w.c_str());
  if (d->limits.max_instance_memory) {
    std::printf("  limit: max_instance_memory = %llu bytes\n",
                static_cast<unsigned long long>(*d->limits.max_instance_memory));
  }
  if (d->limits.request_timeout) {
    std::printf("  limit: request_timeout = %lld ms\n",
                static_cast<long long>(d->limits.request_timeout->count()));
  }
  return 0;
}

}  // namespace

void addRegistryCommands(CLI::App& app, RegistryCommands& cmds) {
  RegistryOptions& o = cmds.o;
  auto* reg = app.add_subcommand("registry", "push and pull Spin apps as OCI artifacts");
  reg->require_subcommand(1);
  cmds.push = reg->add_subcommand("push", "push an app: prints `Pushed with digest sha256:...`");
  cmds.push->add_option("-f,--from", o.file, "spin.toml, or the folder holding it");
  cmds.push->add_option("reference", o.reference, "REGISTRY/REPOSITORY[:TAG]")->required();
  cmds.pull = reg->add_subcommand("pull", "pull an app into the cache (or --output DIR)");
  cmds.pull->add_option("reference", o.reference, "REGISTRY/REPOSITORY[:TAG][@sha256:HEX]")
      ->required();
  cmds.pull->add_option("-o,--output", o.output, "lay the app out in DIR (spin.toml and all)");
  cmds.pull->add_option("--cache-dir", o.cache_dir, "cache folder (default ~/.cache/tern)");
  cmds.login = reg->add_subcommand("login", "store credentials for a registry");
  cmds.login->add_option("server", o.reference, "HOST[:PORT]")->required();
  cmds.login->add_option("-u,--username", o.username, "user name");
  cmds.login->add_option("-p,--password", o.password, "password (prefer --password-stdin)");
  cmds.login->add_flag("--password-stdin", o.password_stdin, "read the password from stdin");
  for (auto* c : {cmds.push, cmds.pull, cmds.login}) {
    c->add_flag("-k,--insecure", o.insecure, "plain HTTP (loopback test registries)");
  }
  cmds.sign = app.add_subcommand("sign", "sign an app in its registry (cosign format)");
  cmds.sign->add_option("--key", o.key, "ECDSA P-256 private key (PEM)")->required();
  cmds.sign->add_option("reference", o.reference, "REGISTRY/REPOSITORY[:TAG][@sha256:HEX]")
      ->required();
  cmds.verify = app.add_subcommand("verify", "verify an app's cosign signature");
  cmds.verify->add_option("--key", o.key, "ECDSA P-256 public key (PEM)")->required();
  cmds.verify->add_option("reference", o.reference, "REGISTRY/REPOSITORY[:TAG][@sha256:HEX]")
      ->required();
  auto* policy = app.add_subcommand("policy", "trust policies");
  policy->require_subcommand(1);
  cmds.policy_check = policy->add_subcommand("check", "explain the policy's decision for REF");
  cmds.policy_check->add_option("--policy", o.policy, "policy file (TOML)")->required();
  cmds.policy_check->add_option("reference", o.reference, "REGISTRY/REPOSITORY[:TAG][@sha256:HEX]")
      ->required();
  for (auto* c : {cmds.sign, cmds.verify, cmds.policy_check}) {
    c->add_flag("-k,--insecure", o.insecure, "plain HTTP (loopback test registries)");
  }
}

std::optional<int> runRegistryCommands(const RegistryCommands& cmds) {
  if (cmds.push && cmds.push->parsed()) return runPush(cmds.o);
  if (cmds.pull && cmds.pull->parsed()) return runPull(cmds.o);
  if (cmds.login && cmds.login->parsed()) return runLogin(cmds.o);
  if (cmds.sign && cmds.sign->parsed()) return runSign(cmds.o);
  if (cmds.verify && cmds.verify->parsed()) return runVerify(cmds.o);
  if (cmds.policy_check && cmds.policy_check->parsed()) return runPolicyCheck(cmds.o);
  return std::nullopt;
}

std::optional<RegistryApp> pullForRun(const RegistryRunOptions& o) {
  auto ref = reference(o.reference);
  if (!ref) {
    report(ref.error());
    return std::nullopt;
  }
  oci::RegistryClient client(*ref, clientOptions(o.insecure));
  auto d = oci::decideTrust(client, trustOptions(o.verify_keys, o.policy));
  if (!d) {
    std::fprintf(stderr, "error: refusing to run %s: %s\n", ref->str().c_str(),
                 d.error().toString().c_str());
    return std::nullopt;
  }
  for (const auto& w : d->why) std::fprintf(stderr, "%s\n", w.c_str());
  oci::Reference pinned = *ref;
  pinned.digest = d->manifest.digest;  // pull exactly what was verified
  oci::RegistryClient pin_client(pinned, clientOptions(o.insecure));
  oci::PullOptions po = pullOptions(o.cache_dir, "");
  po.manifest = d->manifest;
  auto pulled = oci::pullApp(pin_client, po);
  if (!pulled) {
    std::fprintf(stderr, "error: cannot pull %s: %s\n", ref->str().c_str(),
                 pulled.error().toString().c_str());
    return std::nullopt;
  }
  return RegistryApp{pulled->manifest_path, d->limits};
}

void applyPolicyLimits(const sign::PolicyLimits& limits, manifest::Manifest& m) {
  for (auto& c : m.components) {
    if (limits.max_instance_memory) {
      c.limits.max_instance_memory =
          std::min(c.limits.max_instance_memory.value_or(UINT64_MAX), *limits.max_instance_memory);
    }
    if (limits.request_timeout) {
      auto own = c.limits.request_timeout;
      bool unbounded = !own || own->count() == 0;
      c.limits.request_timeout =
          unbounded ? *limits.request_timeout : std::min(*own, *limits.request_timeout);
    }
  }
}

}  // namespace tern::cmd
