# How every C guest in the tree is built: clang-14 for wasm32-wasi against Debian's wasi-libc.
set(TERN_WASI_CFLAGS --target=wasm32-wasi --sysroot=/usr -isystem /usr/include/wasm32-wasi -O2)

# tern_wasm_from_c(OUT SOURCES src... [FLAGS flag...]): a custom command producing OUT.
function(tern_wasm_from_c out)
  cmake_parse_arguments(G "" "" "SOURCES;FLAGS" ${ARGN})
  get_filename_component(dir ${out} DIRECTORY)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${WASM_CLANG} ${TERN_WASI_CFLAGS} ${G_FLAGS} -o ${out} ${G_SOURCES}
    DEPENDS ${G_SOURCES} VERBATIM)
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
