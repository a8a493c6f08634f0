// Typed host functions: a C++ callable's signature becomes the Wasm signature.
//
//   defineFunc(linker, "env", "add", [](Caller&, int32_t a, int32_t b) -> int32_t { return a + b; });
//
// Parameters after the leading Caller& map int32_t/uint32_t -> i32, int64_t/uint64_t -> i64,
// float -> f32, double -> f64. The return type is void, one of those, Result<void> or Result<T>;
// an error result traps the guest (kHost), or exits it when the error code is kExit.
#pragma once

#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "instance/engine.h"

namespace tern::instance {

namespace host_detail {

template <class T>
struct WasmType;
template <> struct WasmType<int32_t> { static constexpr ValType kType = ValType::kI32; };
template <> struct WasmType<uint32_t> { static constexpr ValType kType = ValType::kI32; };
template <> struct WasmType<int64_t> { static constexpr ValType kType = ValType::kI64; };
template <> struct WasmType<uint64_t> { static constexpr ValType kType = ValType::kI64; };
template <> struct WasmType<float> { static constexpr ValType kType = ValType::kF32; };
template <> struct WasmType<double> { static constexpr ValType kType = ValType::kF64; };

template <class T>
T fromValue(const Value& v) {
  T out;
  std::memcpy(&out, v.raw.bytes, sizeof out);
  return out;
}

template <class T>
Value toValue(T v) {
  Value out;
  out.type = WasmType<T>::kType;
  std::memcpy(out.raw.bytes, &v, sizeof v);
  return out;
}

template <class T> struct IsResult : std::false_type {};
template <class T> struct IsResult<Result<T>> : std::true_type { using Inner = T; };

template <class F>
struct Traits : Traits<decltype(&std::decay_t<F>::operator())> {};
template <class C, class R, class... A>
struct Traits<R (C::*)(Caller&, A...) const> {
  using Ret = R;
  using Args = std::tuple<A...>;
};
template <class C, class R, class... A>
struct Traits<R (C::*)(Caller&, A...)> : Traits<R (C::*)(Caller&, A...) const> {};
template <class R, class... A>
struct Traits<R (*)(Caller&, A...)> {
  using Ret = R;
  using Args = std::tuple<A...>;
};

template <class R>
std::vector<ValType> resultTypes() {
  if constexpr (IsResult<R>::value) {
    return resultTypes<typename IsResult<R>::Inner>();
  } else if constexpr (std::is_void_v<R>) {
    return {};
  } else {
    return {WasmType<R>::kType};
  }
}

template <class R, class Call>
Result<void> storeResult(Call&& call, std::span<Value> results) {
  if constexpr (IsResult<R>::value) {
    auto r = call();
    if (!r) return fail(std::move(r).error());
    if constexpr (!std::is_void_v<typename IsResult<R>::Inner>) results[0] = toValue(*r);
    return {};
  } else if constexpr (std::is_void_v<R>) {
    call();
    return {};
  } else {
    results[0] = toValue(call());
    return {};
  }
}

template <class F, class... A, size_t... I>
HostCallback wrap(F f, std::tuple<A...>*, std::index_sequence<I...>) {
  using R = typename Traits<F>::Ret;
  return [f = std::move(f)](Caller& caller, std::span<const Value> args,
                            std::span<Value> results) -> Result<void> {
    return storeResult<R>([&] { return f(caller, fromValue<A>(args[I])...); }, results);
  };
}

}  // namespace host_detail

// The Wasm type of a typed host callable.
template <class F>
FuncType hostFuncType() {
  using T = host_detail::Traits<F>;
  FuncType type;
  std::apply([&](auto... a) { (type.params.push_back(host_detail::WasmType<decltype(a)>::kType), ...); },
             typename T::Args{});
  type.results = host_detail::resultTypes<typename T::Ret>();
  return type;
}

template <class F>
HostCallback hostCallback(F f) {
  using Args = typename host_detail::Traits<F>::Args;
  return host_detail::wrap(std::move(f), static_cast<Args*>(nullptr),
                           std::make_index_sequence<std::tuple_size_v<Args>>{});
}

template <class F>
void defineFunc(Linker& linker, std::string module, std::string name, F f) {
  FuncType type = hostFuncType<F>();
  linker.defineHostFunc(std::move(module), std::move(name), std::move(type), hostCallback(std::move(f)));
}

}  // namespace tern::instance
