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
