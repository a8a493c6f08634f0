;; Seed: 128-bit SIMD: lanes, shuffles, arithmetic, memory.
(module
  (memory 1)
  (func (export "lanes") (param i32) (result i32)
    (i32x4.extract_lane 2
      (i32x4.add (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4))))
  (func (export "shuffle") (result i64)
    (i64x2.extract_lane 1
      (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
        (v128.const i64x2 0x0102030405060708 0x1112131415161718)
        (v128.const i8x16 -1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11 -12 -13 -14 -15 -16))))
  (func (export "floats") (param f32) (result f32)
    (f32x4.extract_lane 0
      (f32x4.min (f32x4.splat (local.get 0)) (f32x4.sqrt (v128.const f32x4 4 9 16 -1)))))
  (func (export "mem") (param i32)
    (v128.store offset=16 (local.get 0)
      (i16x8.narrow_i32x4_s (v128.load (local.get 0)) (v128.load32_splat (i32.const 8)))))
  (func (export "tests") (result i32)
    (i32.add (v128.any_true (v128.const i32x4 0 0 1 0))
             (i8x16.bitmask (i8x16.swizzle (v128.const i8x16 0x80 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
                                           (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0))))))
