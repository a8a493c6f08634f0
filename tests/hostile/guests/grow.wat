;; Hostile guest: memory.grow bomb. Grows 1 MiB at a time and touches every new page (so the
;; memory is really resident) until memory.grow fails at the instance's memory cap, then traps.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (local $old i32) (local $addr i32) (local $end i32)
    (loop $grow
      (local.set $old (memory.grow (i32.const 16)))
      (if (i32.eq (local.get $old) (i32.const -1)) (then unreachable))
      (local.set $addr (i32.mul (local.get $old) (i32.const 65536)))
      (local.set $end (i32.add (local.get $addr) (i32.const 1048576)))
      (loop $touch
        (i32.store8 (local.get $addr) (i32.const 1))
        (local.set $addr (i32.add (local.get $addr) (i32.const 4096)))
        (br_if $touch (i32.lt_u (local.get $addr) (local.get $end))))
      (br $grow))))
