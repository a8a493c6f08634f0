// Component-model bindings of the host services: Spin's key-value, variables and SQLite
// interfaces, wasi:keyvalue (store, atomics, batch) and wasi:config/store, on ComponentLinker.
//
//   component::ComponentLinker linker;  wasi2::defineWasiP2(linker); ...
//   host::defineHostServices(linker);
//   request.services = app_services.component(id);   // instance::RequestContext, per request
//
// Per request, a binding finds the calling component's services as the `services` part of the
// call's request context (servicesOf()); its deadline bounds SQLite statements. Null (no context,
// or a component with no services) means nothing is granted: stores and databases answer
// access-denied, variables are undefined. Handles a guest opens (stores, buckets, connections,
// cas) are host objects of the Session and end with it. The AppServices behind the
// ComponentServices must outlive every Session that uses them.
#pragma once

#include "component/linker.h"
#include "host/services.h"

namespace tern::host {

// The services granted to the call's component (RequestContext::services), or null.
inline const ComponentServices* servicesOf(component::HostCall& call) {
  const instance::RequestContext* request = call.context();
  return request ? request->services : nullptr;
}

// Defines every interface below in `linker` (not thread-safe; do it before serving):
//   fermyon:spin/key-value@2.0.0, fermyon:spin/variables@2.0.0, fermyon:spin/sqlite@2.0.0,
//   spin:sqlite/sqlite@3.0.0, wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2,
//   wasi:config/store@0.2.0-draft-2024-09-27.
void defineHostServices(component::ComponentLinker& linker);

// The parts, for embedders that want only some.
void defineSpinKeyValue(component::ComponentLinker& linker);
void defineWasiKeyValue(component::ComponentLinker& linker);
void defineSqlite(component::ComponentLinker& linker);
void defineVariables(component::ComponentLinker& linker);

}  // namespace tern::host
