;; Hostile guest: spins forever in Wasm code; only the request deadline stops it (504).
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $spin (br $spin))))
