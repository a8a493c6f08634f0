// Fuzz target for the HTTP front end: raw client bytes -> Beast's request parser (the server's
// limits) -> tern::http::Request -> a loaded App (router, reserved routes, static response, WAGI).
//
// src/http has no public "parse these bytes" entry point (server.cc reads from sockets), so the
// parse loop and the Request conversion below mirror Session::readHeader/handle in server.cc;
// keep them in step, or switch to such an entry point when one exists.
#include <stdlib.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "compile/wat.h"
#include "trigger/app_loader.h"
#include "http/beast_request.h"
#include "http/http_limits.h"
#include "instance/engine.h"
#include "manifest/manifest.h"
#include "targets.h"

namespace tern::fuzz {

namespace {

namespace bhttp = boost::beast::http;

// Requests parsed from one input, as on one keep-alive connection.
constexpr int kMaxRequestsPerInput = 8;

// WAGI guest: copies stdin (the request body) to stdout, so the body is the CGI response.
constexpr std::string_view kEchoGuest = R"((module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $n i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 65472))
    (loop $more
      (br_if 1 (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $n (i32.load (i32.const 8)))
      (br_if 1 (i32.eqz (local.get $n)))
      (i32.store (i32.const 16) (i32.const 64))
      (i32.store (i32.const 20) (local.get $n))
      (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
      (br $more))))
)";

// Every route form (as tests/e2e/routes), a static response and a private route.
constexpr std::string_view kManifest = R"(spin_manifest_version = 2
[application]
name = "fuzz"
version = "1.0.0"
[application.trigger.http]
base = "/"
[[trigger.http]]
route = "/exact"
component = "echo"
executor = { type = "wagi" }
[[trigger.http]]
route = "/wild/..."
component = "echo"
executor = { type = "wagi", argv = "${SCRIPT_NAME} x ${ARGS}" }
[[trigger.http]]
route = "/users/:id/posts/:post_id"
component = "echo"
executor = { type = "wagi" }
[[trigger.http]]
route = "/..."
component = "echo"
executor = { type = "wagi" }
[[trigger.http]]
route = { private = true }
component = "echo"
executor = { type = "wagi" }
[[trigger.http]]
route = "/static-response"
static_response = { status_code = 201, headers = { x-from = "manifest" }, body = "static body" }
[component.echo]
source = "echo.wasm"
environment = { WHO = "fuzz" }
)";

[[noreturn]] void fixtureFailed(const std::string& what) {
  std::fprintf(stderr, "http_request fuzz target: %s\n", what.c_str());
  std::abort();
}

struct Fixture {
  std::unique_ptr<instance::Engine> engine;
  std::unique_ptr<trigger::App> app;
};

// The guest is written to a temporary folder only while the App loads (it compiles it then).
Fixture makeFixture() {
  namespace fs = std::filesystem;
  Fixture fx;
  instance::EngineOptions engine_options;
  engine_options.compile_threads = 1;
  auto engine = instance::Engine::create(engine_options);
  if (!engine) fixtureFailed(engine.error().toString());
  fx.engine = std::move(*engine);
  auto wasm = compile::watToWasm(
      "echo.wat",
      std::span(reinterpret_cast<const uint8_t*>(kEchoGuest.data()), kEchoGuest.size()));
  if (!wasm) fixtureFailed(wasm.error().toString());
  std::string dir = (fs::temp_directory_path() / "tern-fuzz-http-XXXXXX").string();
  if (!mkdtemp(dir.data()))
    fixtureFailed("cannot create a folder in " + fs::temp_directory_path().string());
  {
    std::ofstream out(dir + "/echo.wasm", std::ios::binary);
    out.write(reinterpret_cast<const char*>(wasm->data()),
              static_cast<std::streamsize>(wasm->size()));
  }
  auto m = manifest::parseManifest(kManifest, dir + "/spin.toml");
  if (!m) fixtureFailed(m.error().toString());
  trigger::AppOptions options;
  options.limits.request_timeout = std::chrono::milliseconds(200);
  options.limits.max_instance_memory = 16u << 20;
  auto app = trigger::AppLoader(*fx.engine, options).load(std::move(*m));
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!app) fixtureFailed(app.error().toString());
  fx.app = std::move(*app);
  return fx;
}

}  // namespace

int httpRequestTarget(const uint8_t* data, size_t size) {
  static const Fixture fx = makeFixture();
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < kMaxRequestsPerInput && !rest.empty(); ++i) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(http::kMaxHeaderBytes);
    parser.body_limit(http::kMaxBodyBytes);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done()) {
      size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        if (used > 0) continue;
        parser.put_eof(ec);  // no more bytes: the client closed its end
      }
      if (ec) return 0;  // the server answers 400/413/431 (or closes) and reads no further
      if (used == 0 && !parser.is_done()) return 0;
    }
    bool keep_alive = parser.get().keep_alive();
    http::Request req =
        http::toRequest(parser.get(), http::Endpoints{"127.0.0.1", 40000, "127.0.0.1", 3000});
    (void)fx.app->handle(req);
    if (!keep_alive) break;
  }
  return 0;
}

}  // namespace tern::fuzz
