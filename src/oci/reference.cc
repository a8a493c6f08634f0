// Reference parsing after the distribution reference grammar (distribution/reference).
#include "oci/reference.h"

#include <cctype>

#include "sign/digest.h"

namespace tern::oci {
namespace {

bool isRegistryPart(std::string_view s) {
  return s.find('.') != std::string_view::npos || s.find(':') != std::string_view::npos ||
         s == "localhost";
}

// HOST[:PORT]: host labels of letters, digits and '-', joined by '.'; a numeric port.
bool validRegistry(std::string_view s) {
  size_t colon = s.rfind(':');
  std::string_view host = s.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
    }
  }
  if (host.empty() || host.front() == '.' || host.back() == '.' || host.front() == '-') {
    return false;
  }
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '.' && host[i + 1] == '.') return false;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  }
  return true;
}

// path-component: [a-z0-9]+ joined by '.', '_', '__' or one or more '-'.
bool validComponent(std::string_view c) {
  if (c.empty() || !std::isalnum(static_cast<unsigned char>(c.front())) ||
      !std::isalnum(static_cast<unsigned char>(c.back()))) {
    return false;
  }
  for (size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (alnum) continue;
    if (ch != '.' && ch != '_' && ch != '-') return false;
    if (ch == '.' && c[i + 1] == '.') return false;
  }
  return true;
}

bool validTag(std::string_view t) {
  if (t.empty() || t.size() > 128 || t[0] == '.' || t[0] == '-') return false;
  for (char ch : t) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string Reference::str() const {
  std::string s = repositoryName();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string Reference::apiHost() const {
  return registry == "docker.io" ? "registry-1.docker.io" : registry;
}

Result<Reference> parseReference(std::string_view text) {
  if (text.empty() || text.size() > 512) {
    return fail(ErrorCode::kArtifact, "bad reference '", text, "': empty or too long");
  }
  Reference r;
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    r.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!sign::isSha256Digest(r.digest)) {
      return fail(ErrorCode::kArtifact, "bad reference '", text,
                  "': the digest must be sha256:<64 lowercase hex>");
    }
  }
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    r.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!validTag(r.tag)) return fail(ErrorCode::kArtifact, "bad reference '", text, "': bad tag");
  }
  size_t first = rest.find('/');
  if (first != std::string_view::npos && isRegistryPart(rest.substr(0, first))) {
    r.registry = std::string(rest.substr(0, first));
    rest = rest.substr(first + 1);
    if (!validRegistry(r.registry)) {
      return fail(ErrorCode::kArtifact, "bad reference '", text, "': bad registry host");
    }
  } else {
    r.registry = "docker.io";
    if (rest.find('/') == std::string_view::npos) r.repository = "library/";
  }
  r.repository += std::string(rest);
  size_t start = 0;
  while (start <= r.repository.size()) {
    size_t end = r.repository.find('/', start);
    if (end == std::string::npos) end = r.repository.size();
    if (!validComponent(std::string_view(r.repository).substr(start, end - start))) {
      return fail(ErrorCode::kArtifact, "bad reference '", text,
                  "': repository path segments are lowercase letters, digits and . _ -");
    }
    start = end + 1;
  }
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  return r;
}

bool looksLikeReference(std::string_view text) {
  size_t first = text.find('/');
  if (first == std::string_view::npos || first + 1 >= text.size()) return false;
  return isRegistryPart(text.substr(0, first)) && parseReference(text).has_value();
}

}  // namespace tern::oci
