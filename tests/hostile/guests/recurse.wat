;; Hostile guest: unbounded recursion (the result is used, so it cannot become a loop); the
;; engine's stack guard must trap it (500), not crash the server thread.
(module
  (memory (export "memory") 1)
  (func $deeper (param $n i32) (result i32)
    (i32.add (call $deeper (i32.add (local.get $n) (i32.const 1))) (local.get $n)))
  (func (export "_start")
    (drop (call $deeper (i32.const 0)))))
