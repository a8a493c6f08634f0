;; Invalid: a core module import satisfied by a function of the wrong type.
(component
  (core module $a (func (export "g") (param i64)))
  (core instance $a (instantiate $a))
  (core module $b (import "a" "g" (func (param i32))))
  (core instance $b (instantiate $b (with "a" (instance $a))))
)
