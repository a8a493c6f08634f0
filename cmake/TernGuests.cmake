# How every C guest in the tree is built: clang-14 for wasm32-wasi against Debian's wasi-libc.
set(TERN_WASI_CFLAGS --target=wasm32-wasi --sysroot=/usr -isystem /usr/include/wasm32-wasi -O2)

# tern_wasm_from_c(OUT SOURCES src... [FLAGS flag...] [DEPENDS file...]): a custom command
# producing OUT.
function(tern_wasm_from_c out)
  cmake_parse_arguments(G "" "" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  get_filename_component(dir ${out} DIRECTORY)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${WASM_CLANG} ${TERN_WASI_CFLAGS} ${G_FLAGS} -o ${out} ${G_SOURCES}
    DEPENDS ${G_SOURCES} ${G_DEPENDS} VERBATIM)
endfunction()

# tern_component_from_wat(OUT SOURCE): a component binary assembled from component WAT with jco
# (wasm-tools), from the pinned npm fixtures. Without them, OUT is not produced and the tests
# that need it skip.
find_program(TERN_JCO jco PATHS ${CMAKE_SOURCE_DIR}/tests/fixtures/npm/node_modules/.bin
             NO_DEFAULT_PATH)
function(tern_component_from_wat out src)
  if(NOT TERN_JCO)
    return()
  endif()
  get_filename_component(dir ${out} DIRECTORY)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${TERN_JCO} parse ${src} -o ${out}
    DEPENDS ${src} VERBATIM)
endfunction()

# tern_component_from_c(OUT SOURCE [WIT file WORLD name]): a wasi:cli/run command component from
# one C file: clang-14 builds the wasm32-wasi core module, `jco new --wasi-command` adapts its
# preview 1 imports to WASI 0.2. WIT/WORLD first embed a world for 0.2 functions the C code
# imports directly (e.g. wasi:cli/exit.exit-with-code, which the preview 1 adapter never calls).
set(TERN_NPM_MODULES ${CMAKE_SOURCE_DIR}/tests/fixtures/npm/node_modules)
find_program(TERN_NODE node)
function(tern_component_from_c out source)
  cmake_parse_arguments(G "" "WIT;WORLD" "" ${ARGN})
  set(core ${out}.core.wasm)
  tern_wasm_from_c(${core} SOURCES ${source})
  set(input ${core})
  if(G_WIT)
    set(input ${out}.embed.wasm)
    add_custom_command(OUTPUT ${input}
      COMMAND ${TERN_NODE} ${CMAKE_SOURCE_DIR}/cmake/component_embed.mjs ${TERN_NPM_MODULES}
              ${core} ${G_WIT} ${G_WORLD} ${input}
      DEPENDS ${core} ${G_WIT} ${CMAKE_SOURCE_DIR}/cmake/component_embed.mjs VERBATIM)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${TERN_NPM_MODULES}/.bin/jco new ${input} --wasi-command -o ${out}
    DEPENDS ${input} VERBATIM)
endfunction()

# tern_http_component_from_c(OUT SOURCES src... [FLAGS flag...] [DEPENDS file...]): a wasi:http
# handler component
# from C sources that include examples/common/tern_http.c: clang-14 builds a reactor core module,
# the `http-handler` world (cmake/wasi_http_wit.mjs, from the shared WASI 0.2 WIT) is embedded,
# and `jco new --wasi-reactor` adapts the libc's preview 1 imports. Needs the npm fixtures and the
# shared WIT; without them OUT is not produced and what needs it is skipped.
set(TERN_HTTP_WIT ${CMAKE_BINARY_DIR}/wit/http-handler.wit)
if(TERN_NODE AND EXISTS ${TERN_NPM_MODULES}/.bin/jco AND EXISTS ${TERN_SHARED_DIR}/wit/wasi-0.2.12)
  # Written at configure time: subdirectories cannot depend on another directory's custom command.
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/wit)
  execute_process(
    COMMAND ${TERN_NODE} ${CMAKE_SOURCE_DIR}/cmake/wasi_http_wit.mjs
            ${TERN_SHARED_DIR}/wit/wasi-0.2.12 ${TERN_HTTP_WIT}
    RESULT_VARIABLE wit_rc)
  if(wit_rc EQUAL 0)
    set(TERN_HTTP_COMPONENTS ON)
  else()
    message(WARNING "cmake/wasi_http_wit.mjs failed (${wit_rc}): no C wasi:http components")
    set(TERN_HTTP_COMPONENTS OFF)
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_SOURCE_DIR}/cmake/wasi_http_wit.mjs)
else()
  set(TERN_HTTP_COMPONENTS OFF)
endif()
function(tern_http_component_from_c out)
  cmake_parse_arguments(G "" "" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  if(NOT TERN_HTTP_COMPONENTS)
    return()
  endif()
  set(core ${out}.core.wasm)
  tern_wasm_from_c(${core} SOURCES ${G_SOURCES} FLAGS -mexec-model=reactor ${G_FLAGS}
                   DEPENDS ${G_DEPENDS})
  add_custom_command(OUTPUT ${out}.embed.wasm
    COMMAND ${TERN_NODE} ${CMAKE_SOURCE_DIR}/cmake/component_embed.mjs ${TERN_NPM_MODULES}
            ${core} ${TERN_HTTP_WIT} http-handler ${out}.embed.wasm
    DEPENDS ${core} ${CMAKE_SOURCE_DIR}/cmake/component_embed.mjs VERBATIM)
  add_custom_command(OUTPUT ${out}
    COMMAND ${TERN_NPM_MODULES}/.bin/jco new ${out}.embed.wasm --wasi-reactor -o ${out}
    DEPENDS ${out}.embed.wasm VERBATIM)
endfunction()
