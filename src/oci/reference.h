// OCI image references: REGISTRY/REPOSITORY[:TAG][@sha256:HEX], parsed as docker does.
//
//   auto r = oci::parseReference("127.0.0.1:5000/apps/hello:v1");
//   r->registry == "127.0.0.1:5000", r->repository == "apps/hello", r->tag == "v1"
//
// A first segment without '.' or ':' (and not "localhost") is a Docker Hub path: "hello" means
// docker.io/library/hello. With neither tag nor digest the tag is "latest".
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tern::oci {

struct Reference {
  std::string registry;    // "host[:port]"
  std::string repository;  // lowercase path
  std::string tag;         // empty when only a digest was given
  std::string digest;      // "sha256:<hex>" or empty

  // REGISTRY/REPOSITORY: what cosign's docker-reference names and policies match.
  std::string repositoryName() const { return registry + "/" + repository; }
  // The tag or, when given, the digest: what /v2/<repo>/manifests/<x> takes.
  std::string manifestRef() const { return digest.empty() ? tag : digest; }
  // The whole reference as written canonically.
  std::string str() const;
  // The host to contact ("docker.io" is served by registry-1.docker.io).
  std::string apiHost() const;
};

// Errors: kArtifact saying what is wrong (empty, bad repository characters, bad tag or digest).
Result<Reference> parseReference(std::string_view text);

// True when `text` reads as a registry reference rather than a local path: it has a registry
// part with '.' or ':' or is localhost, and a repository after it.
bool looksLikeReference(std::string_view text);

}  // namespace tern::oci
