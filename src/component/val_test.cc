// Tests of the WIT value helpers.
#include "component/val.h"

#include <gtest/gtest.h>

namespace tern::component {
namespace {

TEST(ValTest, TypeNamesReadLikeWit) {
  ValType u8{TypeKind::kU8, {}, {}};
  ValType list{TypeKind::kList, {}, {&u8}};
  ValType str{TypeKind::kString, {}, {}};
  ValType result{TypeKind::kResult, {}, {&list, nullptr}};
  EXPECT_EQ(typeName(list), "list<u8>");
  EXPECT_EQ(typeName(result), "result<list<u8>, _>");
  ValType rec{TypeKind::kRecord, {"a", "b"}, {&u8, &str}};
  EXPECT_EQ(typeName(rec), "record { a, b }");
}

TEST(ValTest, ConstructorsSetKindAndPayload) {
  Val v = Val::ok(Val::byteList("abc"));
  EXPECT_EQ(v.kind, TypeKind::kResult);
  EXPECT_TRUE(v.isOk());
  EXPECT_EQ(v.payload().bytes, "abc");
  EXPECT_EQ(Val::own(7).rep(), 7u);
  EXPECT_FALSE(Val::none().isSome());
}

}  // namespace
}  // namespace tern::component
