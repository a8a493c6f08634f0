;; Invalid: the core function's type does not match the lifted function type.
(component
  (core module $m (func (export "f") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func (export "f") (param "s" string) (result u32) (canon lift (core func $i "f")))
)
