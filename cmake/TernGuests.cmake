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
