;; Test component: host resources (own, borrow, drop through an imported instance) and a
;; guest-defined resource with a destructor.
(component
  (import "test:res/host@0.1.0" (instance $host
    (export "counter" (type $c (sub resource)))
    (export "make-counter" (func (param "n" u32) (result (own $c))))
    (export "[method]counter.inc" (func (param "self" (borrow $c)) (result u32)))))
  (alias export $host "counter" (type $counter))
  (alias export $host "make-counter" (func $make))
  (alias export $host "[method]counter.inc" (func $inc))
  (core func $l-make (canon lower (func $make)))
  (core func $l-inc (canon lower (func $inc)))
  (core func $l-drop (canon resource.drop $counter))

  (core module $a
    (global $drops (mut i32) (i32.const 0))
    (global $last (mut i32) (i32.const 0))
    (func (export "dtor") (param i32)
      global.get $drops i32.const 1 i32.add global.set $drops
      local.get 0 global.set $last)
    (func (export "drops") (result i32) global.get $drops)
    (func (export "last") (result i32) global.get $last))
  (core instance $a (instantiate $a))
  (alias core export $a "dtor" (core func $dtor))
  (type $thing (resource (rep i32) (dtor (core func $dtor))))
  (core func $thing-new (canon resource.new $thing))
  (core func $thing-rep (canon resource.rep $thing))
  (core func $thing-drop (canon resource.drop $thing))

  (core module $b
    (import "host" "make" (func $make (param i32) (result i32)))
    (import "host" "inc" (func $inc (param i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    (import "thing" "new" (func $new (param i32) (result i32)))
    (import "thing" "rep" (func $rep (param i32) (result i32)))
    (import "thing" "drop" (func $tdrop (param i32)))
    (func (export "use-host") (param i32) (result i32) (local $h i32) (local $v i32)
      local.get 0 call $make local.set $h
      local.get $h call $inc drop
      local.get $h call $inc local.set $v
      local.get $h call $drop
      local.get $v)
    (func (export "take-own") (param i32) (result i32) (local $v i32)
      local.get 0 call $inc local.set $v
      local.get 0 call $drop
      local.get $v)
    (func (export "take-borrow") (param i32) (result i32) local.get 0 call $inc)
    (func (export "keep") (param i32) (result i32) local.get 0 call $make)
    (func (export "drop-raw") (param i32) local.get 0 call $drop)
    (func (export "inc-raw") (param i32) (result i32) local.get 0 call $inc)
    (func (export "make-thing") (param i32) (result i32) local.get 0 call $new)
    (func (export "thing-value") (param i32) (result i32) local.get 0)
    (func (export "consume-thing") (param i32) (result i32) (local $r i32)
      local.get 0 call $rep local.set $r
      local.get 0 call $tdrop
      local.get $r))
  (core instance $b (instantiate $b
    (with "host" (instance (export "make" (func $l-make)) (export "inc" (func $l-inc))
                           (export "drop" (func $l-drop))))
    (with "thing" (instance (export "new" (func $thing-new)) (export "rep" (func $thing-rep))
                            (export "drop" (func $thing-drop))))))

  (func (export "use-host") (param "n" u32) (result u32) (canon lift (core func $b "use-host")))
  (func (export "take-own") (param "c" (own $counter)) (result u32) (canon lift (core func $b "take-own")))
  (func (export "take-borrow") (param "c" (borrow $counter)) (result u32)
    (canon lift (core func $b "take-borrow")))
  (func (export "keep") (param "n" u32) (result (own $counter)) (canon lift (core func $b "keep")))
  (func (export "drop-raw") (param "h" u32) (canon lift (core func $b "drop-raw")))
  (func (export "inc-raw") (param "h" u32) (result u32) (canon lift (core func $b "inc-raw")))
  (func (export "make-thing") (param "v" u32) (result (own $thing)) (canon lift (core func $b "make-thing")))
  (func (export "thing-value") (param "t" (borrow $thing)) (result u32) (canon lift (core func $b "thing-value")))
  (func (export "consume-thing") (param "t" (own $thing)) (result u32) (canon lift (core func $b "consume-thing")))
  (func (export "drops") (result u32) (canon lift (core func $a "drops")))
)
