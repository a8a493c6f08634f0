// Tests for Spin allowed_outbound_hosts parsing and matching.
#include "host/allowed_hosts.h"

#include <gtest/gtest.h>

namespace tern::host {
namespace {

AllowedHosts parse(std::vector<std::string> entries) {
  auto h = AllowedHosts::parse(entries);
  EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message);
  return h ? std::move(*h) : AllowedHosts();
}

TEST(AllowedHosts, ExactHostUsesTheSchemesDefaultPort) {
  AllowedHosts h = parse({"https://example.com"});
  EXPECT_TRUE(h.allows("https", "example.com", 443));
  EXPECT_TRUE(h.allows("HTTPS", "Example.COM", 443));
  EXPECT_FALSE(h.allows("https", "example.com", 8443));
  EXPECT_FALSE(h.allows("http", "example.com", 80));
  EXPECT_FALSE(h.allows("https", "api.example.com", 443));
  EXPECT_FALSE(h.allows("https", "example.com.evil", 443));
}

TEST(AllowedHosts, ExplicitPortsRangesAndWildcards) {
  AllowedHosts h = parse({"http://127.0.0.1:8080", "http://localhost:3000..3002",
                          "https://*.example.com", "*://any.org:*"});
  EXPECT_TRUE(h.allows("http", "127.0.0.1", 8080));
  EXPECT_FALSE(h.allows("http", "127.0.0.1", 8081));
  EXPECT_TRUE(h.allows("http", "localhost", 3000));
  EXPECT_TRUE(h.allows("http", "localhost", 3001));
  EXPECT_FALSE(h.allows("http", "localhost", 3002));  // end exclusive, as Spin's ranges
  EXPECT_TRUE(h.allows("https", "api.example.com", 443));
  EXPECT_TRUE(h.allows("https", "a.b.example.com", 443));
  EXPECT_FALSE(h.allows("https", "example.com", 443));
  EXPECT_TRUE(h.allows("http", "any.org", 1));
  EXPECT_TRUE(h.allows("redis", "any.org", 6379));
  EXPECT_FALSE(h.allows("http", "other.org", 80));
}

TEST(AllowedHosts, AllowAllAndSelf) {
  AllowedHosts all = parse({"*://*:*"});
  EXPECT_TRUE(all.allows("https", "anything.example", 1234));
  EXPECT_FALSE(all.allowsSelf());
  AllowedHosts legacy = parse({"insecure:allow-all"});
  EXPECT_TRUE(legacy.allows("http", "x", 80));
  AllowedHosts self = parse({"http://self"});
  EXPECT_TRUE(self.allowsSelf());
  EXPECT_FALSE(self.allows("http", "self.example", 80));
  AllowedHosts none = parse({});
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.allows("http", "localhost", 80));
}

TEST(AllowedHosts, IPv6Literal) {
  AllowedHosts h = parse({"http://[::1]:8080"});
  EXPECT_TRUE(h.allows("http", "::1", 8080));
  EXPECT_FALSE(h.allows("http", "::1", 80));
}

TEST(AllowedHosts, BadEntriesAreAllReportedClearly) {
  auto h = AllowedHosts::parse({"example.com", "https://example.com/path", "*://example.com",
                                "http://exa mple.com", "http://x:99999", "http://x:9..3",
                                "https://{{ host }}", "http://a*b.com", "http://ok.com"});
  ASSERT_FALSE(h.has_value());
  const std::string& m = h.error().message;
  EXPECT_NE(m.find("entry `example.com`: must be scheme://host[:port]"), std::string::npos) << m;
  EXPECT_NE(m.find("`https://example.com/path`: must not have a path"), std::string::npos) << m;
  EXPECT_NE(m.find("`*://example.com`: a port is required for scheme `*`"), std::string::npos) << m;
  EXPECT_NE(m.find("`http://exa mple.com`: invalid host"), std::string::npos) << m;
  EXPECT_NE(m.find("`http://x:99999`: invalid port"), std::string::npos) << m;
  EXPECT_NE(m.find("`http://x:9..3`: invalid port range"), std::string::npos) << m;
  EXPECT_NE(m.find("`https://{{ host }}`: unexpanded variable template"), std::string::npos)
      << m;
  EXPECT_NE(m.find("`http://a*b.com`: invalid host"), std::string::npos) << m;
  EXPECT_EQ(m.find("ok.com"), std::string::npos) << m;
}

}  // namespace
}  // namespace tern::host
