// The default (`http`) executor: components exporting wasi:http/incoming-handler@0.2.x.
//
// Per request: a RequestContext (the deadline, the observation, the WASI 0.2 state, the granted
// host services) and a fresh Session (Store with the memory cap, host objects, component instance)
// pointing at it; an incoming-request built from the HTTP request plus Spin's `spin-*` headers;
// the request body read by the guest through an input-stream; `handle` called with a
// response-outparam. The response (status, headers, body) is what the guest set on the outparam.
// The body is buffered up to the component's max_output (more: 500) and the server sends it
// (chunked above 1 MB): the server answers only after the handler returns, so streaming out would
// mean a second server path.
//
// Failures, each logged once (failure.h) naming component, route and reason: trap (its
// backtrace on one line) or guest error-code -> 500; deadline -> 504; `handle` returned without
// setting the outparam -> 500. Observed like WAGI: instantiate and execute are phases of the
// request, the store's memory is reported after each; guest output goes to GuestLog.
// Outbound requests go through the component's `allowed_outbound_hosts` (host/outbound_http.h).
//
// Thread safety: create() once at load; execute() from any number of threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "component/component.h"
#include "executor/executor.h"
#include "executor/guest_log.h"
#include "host/outbound_http.h"
#include "host/services.h"
#include "instance/engine.h"
#include "manifest/manifest.h"
#include "wasi2/http.h"

namespace tern::executor {

class HttpExecutor final : public Executor {
 public:
  // Checks that `component` exports wasi:http/incoming-handler@0.2.x and that every import is
  // provided (one instantiation at load). `files_root` (may be empty) is the staged `files`,
  // pre-opened read-only at "/". `local` answers `self` / `*.spin.internal` requests in-process.
  // `log_dir` (may be empty): the guest's stdout and stderr go to
  // `log_dir`/<id>_stdout.txt and _stderr.txt, else to tern's own as "[id] line" (GuestLog).
  // Errors: kNotExecutable (no incoming-handler export), kHostConfig (bad allowed_outbound_hosts),
  // kUnlinkable (an import tern lacks).
  static Result<std::unique_ptr<HttpExecutor>> create(
      instance::Engine& engine, const manifest::Component& component,
      std::shared_ptr<const component::Component> compiled, std::string files_root,
      std::string log_dir, host::LocalDispatch local = nullptr,
      const host::ComponentServices* services = nullptr);

  const std::string& id() const override { return id_; }
  Response execute(const Invocation& call) const override;

 private:
  HttpExecutor() = default;
  // Instantiates and calls `handle`, each phase observed.
  Result<std::vector<component::Val>> run(component::Session& session, const Invocation& call,
                                          std::shared_ptr<wasi2::ResponseSlot> slot) const;
  // The response the guest left in `slot` after `ran`, or the failure it amounts to.
  Response answer(const Invocation& call, const Result<std::vector<component::Val>>& ran,
                  wasi2::ResponseSlot& slot) const;

  instance::Engine* engine_ = nullptr;
  std::string id_;
  std::vector<std::pair<std::string, std::string>> environment_;
  std::shared_ptr<const component::Component> component_;
  component::ComponentLinker linker_;  // WASI 0.2 + wasi:http for this component's grants
  wasi2::HttpTypes http_;
  std::string handler_interface_;  // the export's name, e.g. "wasi:http/incoming-handler@0.2.10"
  std::string files_root_;
  std::unique_ptr<GuestLog> log_;
  const host::ComponentServices* services_ = nullptr;  // key-value, sqlite, variables
};

}  // namespace tern::executor
