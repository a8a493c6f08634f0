;; Hostile guest: loads 16 bytes below 4 GiB from a one-page memory: an out-of-bounds trap (500).
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (i64.load (i32.const -16)))))
