;; Seed: a module with imports (compiled, never run by the harness) and every export kind.
(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "mem" (memory 1))
  (import "env" "g" (global i32))
  (import "env" "tab" (table 1 funcref))
  (func (export "run") (call $log (global.get 0)))
  (export "m" (memory 0))
  (export "t" (table 0)))
