;; Test component: a nested component instantiated twice (each with its own memory), instance
;; imports and exports, outer aliases, and a lifted function lowered again (an adapter).
(component
  (import "test:nest/log" (instance $log
    (export "log" (func (param "msg" string)))))
  (type $u2u (func (param "x" u32) (result u32)))
  (component $inner
    (import "log" (func $log (param "msg" string)))
    (alias outer 1 $u2u (type $t))
    (core module $mem (memory (export "memory") 1) (data (i32.const 16) "inner"))
    (core instance $mi (instantiate $mem))
    (alias core export $mi "memory" (core memory $memory))
    (core func $log-low (canon lower (func $log) (memory $memory)))
    (core module $m
      (import "" "log" (func $log (param i32 i32)))
      (import "" "memory" (memory 1))
      (global $calls (mut i32) (i32.const 0))
      (func (export "double") (param i32) (result i32)
        i32.const 16 i32.const 5 call $log
        global.get $calls i32.const 1 i32.add global.set $calls
        local.get 0 i32.const 2 i32.mul)
      (func (export "calls") (result i32) global.get $calls))
    (core instance $i (instantiate $m
      (with "" (instance (export "log" (func $log-low)) (export "memory" (memory $memory))))))
    (func (export "double") (type $t) (canon lift (core func $i "double")))
    (func (export "calls") (result u32) (canon lift (core func $i "calls"))))
  (alias export $log "log" (func $logf))
  (instance $i1 (instantiate $inner (with "log" (func $logf))))
  (instance $i2 (instantiate $inner (with "log" (func $logf))))
  (alias export $i1 "double" (func $d1))
  (alias export $i2 "calls" (func $c2))
  (alias export $i1 "calls" (func $c1))
  (core func $d1-low (canon lower (func $d1)))
  (core module $outer
    (import "" "d" (func $d (param i32) (result i32)))
    (func (export "quad") (param i32) (result i32) local.get 0 call $d call $d))
  (core instance $o (instantiate $outer (with "" (instance (export "d" (func $d1-low))))))
  (func $quad (param "x" u32) (result u32) (canon lift (core func $o "quad")))
  (instance $api (export "double" (func $d1)) (export "quad" (func $quad))
                 (export "calls1" (func $c1)) (export "calls2" (func $c2)))
  (export "test:nest/api@1.2.0" (instance $api))
)
