// Component-model bindings of the host services: Spin's key-value, variables and SQLite
// interfaces, wasi:keyvalue (store, atomics, batch) and wasi:config/store, on ComponentLinker.
//
//   component::ComponentLinker linker;  wasi2::define(linker); ...
//   host::defineHostServices(linker, [](void* ctx) {
//     return static_cast<RequestContext*>(ctx)->services;   // const host::ComponentServices*
//   });
//
// Per request, a binding finds the calling component's services through `lookup` applied to
// Session::userData(); null (no context, or a component with no services) means nothing is
// granted: stores and databases answer access-denied, variables are undefined. Handles a guest
// opens (stores, buckets, connections, cas) are host objects of the Session and end with it.
// The AppServices behind the ComponentServices must outlive every Session that uses them.
#pragma once

#include "component/host.h"
#include "host/services.h"

namespace tern::host {

using ServicesLookup = const ComponentServices* (*)(void* user_data);

// Defines every interface below in `linker` (not thread-safe; do it before serving):
//   fermyon:spin/key-value@2.0.0, fermyon:spin/variables@2.0.0, fermyon:spin/sqlite@2.0.0,
//   spin:sqlite/sqlite@3.0.0, wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2,
//   wasi:config/store@0.2.0-draft-2024-09-27.
void defineHostServices(component::ComponentLinker& linker, ServicesLookup lookup);

// The parts, for embedders that want only some.
void defineSpinKeyValue(component::ComponentLinker& linker, ServicesLookup lookup);
void defineWasiKeyValue(component::ComponentLinker& linker, ServicesLookup lookup);
void defineSqlite(component::ComponentLinker& linker, ServicesLookup lookup);
void defineVariables(component::ComponentLinker& linker, ServicesLookup lookup);

}  // namespace tern::host
