// Reading and writing the docker-format credentials file with nlohmann-json.
#include "oci/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sign/digest.h"

namespace tern::oci {
namespace {

nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  std::ostringstream s;
  s << in.rdbuf();
  auto j = nlohmann::json::parse(s.str(), nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

std::optional<Credentials> fromFile(const std::string& path, const std::string& registry) {
  auto j = readJson(path);
  if (!j.contains("auths") || !j["auths"].is_object()) return std::nullopt;
  const auto& auths = j["auths"];
  for (const std::string& key : {registry, "https://" + registry, "http://" + registry}) {
    if (!auths.contains(key) || !auths[key].is_object()) continue;
    const auto& e = auths[key];
    if (!e.contains("auth") || !e["auth"].is_string()) continue;
    auto decoded = sign::base64Decode(e["auth"].get<std::string>());
    if (!decoded) continue;
    size_t colon = decoded->find(':');
    if (colon == std::string::npos) continue;
    return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
  }
  return std::nullopt;
}

}  // namespace

std::string credentialsPath() {
  if (const char* d = std::getenv("TERN_CONFIG_DIR")) return std::string(d) + "/auth.json";
  if (const char* x = std::getenv("XDG_CONFIG_HOME")) return std::string(x) + "/tern/auth.json";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.config/tern/auth.json";
  return ".tern-auth.json";
}

std::optional<Credentials> findCredentials(const std::string& registry) {
  if (auto c = fromFile(credentialsPath(), registry)) return c;
  if (const char* h = std::getenv("HOME")) {
    return fromFile(std::string(h) + "/.docker/config.json", registry);
  }
  return std::nullopt;
}

Result<void> storeCredentials(const std::string& registry, const Credentials& c) {
  std::string path = credentialsPath();
  auto j = readJson(path);
  if (!j.contains("auths") || !j["auths"].is_object()) j["auths"] = nlohmann::json::object();
  j["auths"][registry]["auth"] = sign::base64Encode(c.username + ":" + c.password);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return fail(ErrorCode::kIo, "cannot write ", tmp);
    ::chmod(tmp.c_str(), 0600);
    out << j.dump(2) << "\n";
    if (!out) return fail(ErrorCode::kIo, "cannot write ", tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot write ", path, ": ", ec.message());
  return {};
}

}  // namespace tern::oci
