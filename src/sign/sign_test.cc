// Unit tests for digests, keys, cosign payloads and trust policies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "sign/digest.h"
#include "sign/keys.h"
#include "sign/policy.h"
#include "sign/simple_signing.h"

namespace tern::sign {
namespace {

// A fixed P-256 key (PKCS#8), made with `openssl genpkey -algorithm EC -pkeyopt
// ec_paramgen_curve:P-256`: for tests only.
constexpr const char* kKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcIqrN9QiTNNgyWzT
hH5BybQDePy5urAHel+5nwYpMr2hRANCAASo6rOKDFHsOm9rdpzdd/cT6DpxYvVn
jVM/yzssQOzhFacN0ek24c5qOduzsknZloobk9LY9Uq7eB9eF/XnXGaB
-----END PRIVATE KEY-----
)";

TEST(Digest, Sha256AndValidation) {
  EXPECT_EQ(sha256Digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(isSha256Digest(sha256Digest("x")));
  EXPECT_FALSE(isSha256Digest("sha256:E3B0"));
  EXPECT_FALSE(isSha256Digest("sha512:" + std::string(64, 'a')));
  EXPECT_TRUE(checkDigest("abc", sha256Digest("abc"), "blob").has_value());
  auto bad = checkDigest("abd", sha256Digest("abc"), "blob");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kDigestMismatch);
}

TEST(Digest, FileDigestEqualsBytesDigest) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("tern-digest-" + std::to_string(::getpid())))
          .string();
  std::string bytes(3u << 20, 'x');
  bytes[12345] = 'y';
  std::ofstream(path, std::ios::binary) << bytes;
  auto d = sha256File(path);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, sha256Digest(bytes));
  std::filesystem::remove(path);
  EXPECT_FALSE(sha256File(path));
}

TEST(Digest, Base64RoundTrip) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = base64Decode(base64Encode(s));
    ASSERT_TRUE(back) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(base64Decode("abc"));
  EXPECT_FALSE(base64Decode("ab!="));
}

TEST(Keys, SignVerifyAndRejectOtherBytes) {
  auto key = PrivateKey::fromPem(kKeyPem, "test.key");
  ASSERT_TRUE(key) << key.error().toString();
  auto pub = PublicKey::fromPem(key->publicPem(), "test.pub");
  ASSERT_TRUE(pub) << pub.error().toString();
  auto sig = key->sign("payload");
  ASSERT_TRUE(sig);
  EXPECT_TRUE(pub->verify("payload", *sig));
  EXPECT_FALSE(pub->verify("payload!", *sig));
  std::string flipped = *sig;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(pub->verify("payload", flipped));
  EXPECT_FALSE(pub->verify("payload", ""));
}

TEST(Keys, RefusesGarbageAndEncryptedKeys) {
  auto k = PrivateKey::fromPem("not a key", "x.key");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, ErrorCode::kKey);
  auto enc = PrivateKey::fromPem(
      "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc\n-----END ENCRYPTED SIGSTORE PRIVATE "
      "KEY-----\n",
      "cosign.key");
  ASSERT_FALSE(enc);
  EXPECT_NE(enc.error().message.find("encrypted"), std::string::npos);
  EXPECT_FALSE(PublicKey::fromPem(kKeyPem, "priv-as-pub"));
}

TEST(SimpleSigning, PayloadRoundTripAndShape) {
  std::string d = sha256Digest("manifest");
  std::string p = makePayload({"127.0.0.1:5000/apps/hello", d});
  EXPECT_EQ(p,
            "{\"critical\":{\"identity\":{\"docker-reference\":\"127.0.0.1:5000/apps/hello\"},"
            "\"image\":{\"docker-manifest-digest\":\"" +
                d + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}");
  auto back = parsePayload(p);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->manifest_digest, d);
  EXPECT_EQ(back->docker_reference, "127.0.0.1:5000/apps/hello");
  EXPECT_FALSE(parsePayload("{}"));
  EXPECT_FALSE(parsePayload("[1]"));
  EXPECT_FALSE(parsePayload(R"({"critical":{"type":"cosign container image signature"}})"));
}

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("tern-policy-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto key = PrivateKey::fromPem(kKeyPem, "k");
    std::ofstream(dir_ / "team.pub") << key->publicPem();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "policy.toml").string(); }
  std::filesystem::path dir_;
};

TEST_F(PolicyTest, FirstMatchingRuleDecides) {
  auto p = parsePolicy(R"(
[[verify]]
image = "127.0.0.1:*/team/**"
keys = ["team.pub"]
require_digest = true
limits = { max_instance_memory = "64MiB", request_timeout = "5s" }
[[verify]]
image = "**"
required = false
)",
                       path());
  ASSERT_TRUE(p) << p.error().toString();
  const PolicyRule* r = p->match("127.0.0.1:5000/team/app");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->keys.size(), 1u);
  EXPECT_TRUE(r->require_digest);
  EXPECT_EQ(*r->limits.max_instance_memory, 64u << 20);
  EXPECT_EQ(r->limits.request_timeout->count(), 5000);
  const PolicyRule* other = p->match("ghcr.io/else/app");
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(other->required);
  EXPECT_FALSE(p->allow_unmatched);
}

TEST_F(PolicyTest, ErrorsNameTheLine) {
  auto p = parsePolicy("[[verify]]\nimage = \"x\"\nkeys = [\"missing.pub\"]\n", path());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kKey);
  auto q = parsePolicy("[[verify]]\nimage = \"x\"\nkeyz = []\n", path());
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().message.find(":3:"), std::string::npos) << q.error().message;
  auto r = parsePolicy("[[verify]]\nimage = \"x\"\n", path());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("names no keys"), std::string::npos);
  EXPECT_FALSE(parsePolicy("unmatched = \"maybe\"\n", path()));
  EXPECT_FALSE(parsePolicy("[[verify]\n", path()));
}

}  // namespace
}  // namespace tern::sign
