// Key-value bindings: fermyon:spin/key-value@2.0.0 and wasi:keyvalue@0.2.0-draft2 (store,
// atomics, batch) over the KvStore backends, with per-component grants.
#include "common/limits.h"
#include "host/bindings.h"

namespace tern::host {
namespace {

using component::ComponentLinker;
using component::HostCall;
using component::HostObject;
using component::ResourceType;
using component::Val;

constexpr const char* kSpinKv = "fermyon:spin/key-value@2.0.0";
constexpr const char* kWasiStore = "wasi:keyvalue/store@0.2.0-draft2";
constexpr const char* kWasiAtomics = "wasi:keyvalue/atomics@0.2.0-draft2";
constexpr const char* kWasiBatch = "wasi:keyvalue/batch@0.2.0-draft2";

// An open store (spin `store`, wasi `bucket`): the backend outlives the Session.
struct StoreHandle : HostObject {
  explicit StoreHandle(KvStore* s) : store(s) {}
  KvStore* store;
};

// wasi:keyvalue/atomics.cas: the key and the value read when it was created (or last failed).
struct CasHandle : HostObject {
  KvStore* store = nullptr;
  std::string key;
  std::optional<std::string> current;
};

// Error cases of the two interfaces' `error` variants.
struct ErrorCases {
  uint32_t table_full, no_such_store, access_denied, other;
};
constexpr ErrorCases kSpinErrors{0, 1, 2, 3};
constexpr ErrorCases kWasiErrors{1, 0, 1, 2};  // wasi has no store-table-full: access-denied

Val otherError(const ErrorCases& e, std::string message) {
  return Val::err(Val::variant(e.other, Val::string(std::move(message))));
}

template <class T>
Val fromResult(const ErrorCases& e, Result<T>& r, Val (*ok)(T&)) {
  if (!r) return otherError(e, r.error().message);
  return Val::ok(ok(*r));
}

Val optionalBytes(std::optional<std::string>& v) {
  return v ? Val::some(Val::byteList(std::move(*v))) : Val::none();
}

Result<KvStore*> handleStore(HostCall& call, const ResourceType* type, const Val& self) {
  auto* h = call.resources().get<StoreHandle>(type, self.rep());
  if (!h) return fail(ErrorCode::kInvalidArgument, "key-value: not a live store handle");
  return h->store;
}

// open(label): access-denied unless the component was granted `label` (Spin's rule: grants are
// checked before existence, so the guest learns nothing about stores it may not use).
Val openStore(HostCall& call, const ResourceType* type, const ErrorCases& e,
              const std::string& label) {
  const ComponentServices* s = servicesOf(call);
  KvStore* store = s ? s->store(label) : nullptr;
  if (!store) return Val::err(Val::variant(e.access_denied));
  auto rep = call.resources().add(type, std::make_unique<StoreHandle>(store));
  if (!rep) return Val::err(Val::variant(e.table_full));
  return Val::ok(Val::own(*rep));
}

// The methods both store resources share (get/set/delete/exists).
void defineStoreMethods(ComponentLinker& linker, const char* iface, const char* res,
                        const ResourceType* type, ErrorCases e) {
  std::string m = std::string("[method]") + res + ".";
  linker.defineFunc(iface, m + "get",
                    [type, e](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, type, a[0]);
                      if (!kv) return fail(kv.error());
                      auto v = (*kv)->get(a[1].bytes);
                      r[0] = fromResult<std::optional<std::string>>(e, v, optionalBytes);
                      return {};
                    });
  linker.defineFunc(iface, m + "set",
                    [type, e](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, type, a[0]);
                      if (!kv) return fail(kv.error());
                      auto v = (*kv)->set(a[1].bytes, a[2].bytes);
                      r[0] = v ? Val::ok() : otherError(e, v.error().message);
                      return {};
                    });
  linker.defineFunc(iface, m + "delete",
                    [type, e](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, type, a[0]);
                      if (!kv) return fail(kv.error());
                      auto v = (*kv)->remove(a[1].bytes);
                      r[0] = v ? Val::ok() : otherError(e, v.error().message);
                      return {};
                    });
  linker.defineFunc(iface, m + "exists",
                    [type, e](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, type, a[0]);
                      if (!kv) return fail(kv.error());
                      auto v = (*kv)->exists(a[1].bytes);
                      r[0] = v ? Val::ok(Val::boolean(*v)) : otherError(e, v.error().message);
                      return {};
                    });
}

Val stringList(std::vector<std::string>& keys) {
  std::vector<Val> items;
  items.reserve(keys.size());
  for (auto& k : keys) items.push_back(Val::string(std::move(k)));
  return Val::list(std::move(items));
}

}  // namespace

void defineSpinKeyValue(ComponentLinker& linker) {
  const ResourceType* type = linker.defineResource(kSpinKv, "store");
  linker.defineFunc(
      kSpinKv, "[static]store.open",
      [type](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
        r[0] = openStore(call, type, kSpinErrors, a[0].bytes);
        return {};
      });
  defineStoreMethods(linker, kSpinKv, "store", type, kSpinErrors);
  linker.defineFunc(kSpinKv, "[method]store.get-keys",
                    [type](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, type, a[0]);
                      if (!kv) return fail(kv.error());
                      auto keys = (*kv)->keys("", limits::kMaxKvListedKeys + 1);
                      if (keys && keys->size() > limits::kMaxKvListedKeys) {
                        r[0] = otherError(kSpinErrors,
                                          "store holds more than " +
                                              std::to_string(limits::kMaxKvListedKeys) + " keys");
                        return {};
                      }
                      r[0] = fromResult<std::vector<std::string>>(kSpinErrors, keys, stringList);
                      return {};
                    });
}

static void defineWasiStore(ComponentLinker& linker, const ResourceType* bucket) {
  linker.defineFunc(
      kWasiStore, "open",
      [bucket](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
        r[0] = openStore(call, bucket, kWasiErrors, a[0].bytes);
        return {};
      });
  defineStoreMethods(linker, kWasiStore, "bucket", bucket, kWasiErrors);
  // list-keys pages by key order; the cursor is the last key of a full page.
  linker.defineFunc(kWasiStore, "[method]bucket.list-keys",
                    [bucket](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, bucket, a[0]);
                      if (!kv) return fail(kv.error());
                      std::string after = a[1].isSome() ? a[1].payload().bytes : std::string();
                      auto keys = (*kv)->keys(after, limits::kKvListPageKeys);
                      if (!keys) {
                        r[0] = otherError(kWasiErrors, keys.error().message);
                        return {};
                      }
                      Val cursor = keys->size() == limits::kKvListPageKeys
                                       ? Val::some(Val::string(keys->back()))
                                       : Val::none();
                      r[0] = Val::ok(Val::record({stringList(*keys), std::move(cursor)}));
                      return {};
                    });
}

static void defineWasiAtomics(ComponentLinker& linker, const ResourceType* bucket) {
  const ResourceType* cas = linker.defineResource(kWasiAtomics, "cas");
  linker.defineFunc(kWasiAtomics, "increment",
                    [bucket](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, bucket, a[0]);
                      if (!kv) return fail(kv.error());
                      auto v = (*kv)->increment(a[1].bytes, a[2].i);
                      r[0] = v ? Val::ok(Val::s64(*v)) : otherError(kWasiErrors, v.error().message);
                      return {};
                    });
  linker.defineFunc(
      kWasiAtomics, "[static]cas.new",
      [bucket, cas](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
        auto kv = handleStore(call, bucket, a[0]);
        if (!kv) return fail(kv.error());
        auto cur = (*kv)->get(a[1].bytes);
        if (!cur) {
          r[0] = otherError(kWasiErrors, cur.error().message);
          return {};
        }
        auto h = std::make_unique<CasHandle>();
        h->store = *kv, h->key = a[1].bytes, h->current = std::move(*cur);
        auto rep = call.resources().add(cas, std::move(h));
        r[0] = rep ? Val::ok(Val::own(*rep)) : otherError(kWasiErrors, rep.error().message);
        return {};
      });
  linker.defineFunc(kWasiAtomics, "[method]cas.current",
                    [cas](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto* h = call.resources().get<CasHandle>(cas, a[0].rep());
                      if (!h)
                        return fail(ErrorCode::kInvalidArgument,
                                    "key-value: not a live cas handle");
                      std::optional<std::string> copy = h->current;
                      r[0] = Val::ok(optionalBytes(copy));
                      return {};
                    });
  // swap consumes the cas; on a lost race it comes back (cas-failed) holding the value now
  // stored, so the guest can retry with it.
  linker.defineFunc(
      kWasiAtomics, "swap",
      [cas](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
        uint32_t rep = a[0].rep();
        auto* h = call.resources().get<CasHandle>(cas, rep);
        if (!h) return fail(ErrorCode::kInvalidArgument, "key-value: not a live cas handle");
        auto swapped = h->store->compareAndSwap(h->key, h->current, a[1].bytes);
        if (swapped && !*swapped) {
          if (auto now = h->store->get(h->key)) h->current = std::move(*now);
          r[0] = Val::err(Val::variant(1, Val::own(rep)));  // cas-failed: the guest owns it again
          return {};
        }
        r[0] = swapped ? Val::ok()
                       : Val::err(Val::variant(
                             0, otherError(kWasiErrors, swapped.error().message).payload()));
        call.resources().remove(cas, rep);
        return {};
      });
}

static void defineWasiBatch(ComponentLinker& linker, const ResourceType* bucket) {
  linker.defineFunc(
      kWasiBatch, "get-many",
      [bucket](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
        auto kv = handleStore(call, bucket, a[0]);
        if (!kv) return fail(kv.error());
        std::vector<std::string> keys;
        for (auto& k : a[1].items) keys.push_back(std::move(k.bytes));
        auto vals = (*kv)->getMany(keys);
        if (!vals) {
          r[0] = otherError(kWasiErrors, vals.error().message);
          return {};
        }
        std::vector<Val> out;
        for (size_t i = 0; i < keys.size(); ++i) {
          out.push_back(Val::tuple({Val::string(std::move(keys[i])), optionalBytes((*vals)[i])}));
        }
        r[0] = Val::ok(Val::list(std::move(out)));
        return {};
      });
  linker.defineFunc(kWasiBatch, "set-many",
                    [bucket](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, bucket, a[0]);
                      if (!kv) return fail(kv.error());
                      std::vector<KeyValue> entries;
                      for (auto& t : a[1].items)
                        entries.emplace_back(std::move(t.items[0].bytes),
                                             std::move(t.items[1].bytes));
                      auto v = (*kv)->setMany(entries);
                      r[0] = v ? Val::ok() : otherError(kWasiErrors, v.error().message);
                      return {};
                    });
  linker.defineFunc(kWasiBatch, "delete-many",
                    [bucket](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto kv = handleStore(call, bucket, a[0]);
                      if (!kv) return fail(kv.error());
                      std::vector<std::string> keys;
                      for (auto& k : a[1].items) keys.push_back(std::move(k.bytes));
                      auto v = (*kv)->removeMany(keys);
                      r[0] = v ? Val::ok() : otherError(kWasiErrors, v.error().message);
                      return {};
                    });
}

void defineWasiKeyValue(ComponentLinker& linker) {
  const ResourceType* bucket = linker.defineResource(kWasiStore, "bucket");
  defineWasiStore(linker, bucket);
  defineWasiAtomics(linker, bucket);
  defineWasiBatch(linker, bucket);
}

void defineHostServices(ComponentLinker& linker) {
  defineSpinKeyValue(linker);
  defineWasiKeyValue(linker);
  defineSqlite(linker);
  defineVariables(linker);
}

}  // namespace tern::host
