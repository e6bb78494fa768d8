;; The tree grower's hot loops: histograms and the partition of a node's rows. WebAssembly because the
;; scattered adds run 2-3x faster here than in JavaScript (no bounds checks); the memory is shared so
;; that worker threads can fill the histograms of different features at once.
;; scripts/build-wasm.mjs compiles this file into histogram-wasm.ts; a test keeps the two in step.
;;
;; Memory layout, all set up by workspace.ts: bin codes column-major (feature f's codes start at
;; codes + f * n * width), each read as an unaligned i32 masked to its width (u8, u16 or u32; the
;; buffer is padded by 4 bytes); per-feature bin offsets as i32; histogram sums as f64, counts as u32.
(module
  (memory (import "env" "memory") 1 65536 shared)

  ;; Copies g of rows[0..m) into og, in row order, so that the per-feature loops read it sequentially;
  ;; stores the sum and the sum of squares at stats.
  (func (export "gather")
    (param $rows i32) (param $m i32) (param $g i32) (param $og i32) (param $stats i32)
    (local $i i32) (local $v f64) (local $sum f64) (local $sq f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $v
          (f64.load (i32.add (local.get $g)
            (i32.shl (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2))))
              (i32.const 3)))))
        (f64.store (i32.add (local.get $og) (i32.shl (local.get $i) (i32.const 3))) (local.get $v))
        (local.set $sum (f64.add (local.get $sum) (local.get $v)))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $v) (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $stats) (local.get $sum))
    (f64.store offset=8 (local.get $stats) (local.get $sq))
  )

  ;; The sum and the sum of squares of g[0..n), at stats.
  (func (export "sums") (param $g i32) (param $n i32) (param $stats i32)
    (local $r i32) (local $v f64) (local $sum f64) (local $sq f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $v (f64.load (i32.add (local.get $g) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $sum (f64.add (local.get $sum) (local.get $v)))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $v) (local.get $v))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $stats) (local.get $sum))
    (f64.store offset=8 (local.get $stats) (local.get $sq))
  )

  ;; For features [from, to): adds og[i] (the gathered g of rows[i]) to its row's bin, and counts the
  ;; row there when count is 1. The histogram's bins for those features must be zero (or hold counts).
  (func (export "histogram")
    (param $rows i32) (param $m i32) (param $og i32) (param $codes i32) (param $n i32)
    (param $from i32) (param $to i32) (param $offsets i32) (param $width i32) (param $mask i32)
    (param $sums i32) (param $counts i32) (param $count i32)
    (local $i i32) (local $f i32) (local $col i32) (local $off i32) (local $b i32) (local $p i32)
    (local $shift i32)
    (local.set $shift (i32.ctz (local.get $width)))
    (local.set $f (local.get $from))
    (block $done
      (loop $feature
        (br_if $done (i32.ge_u (local.get $f) (local.get $to)))
        (local.set $col
          (i32.add (local.get $codes) (i32.shl (i32.mul (local.get $f) (local.get $n)) (local.get $shift))))
        (local.set $off (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $f) (i32.const 2)))))
        (local.set $i (i32.const 0))
        (if (local.get $count)
          (then
            (block $rowsDone
              (loop $row
                (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
                (local.set $b
                  (i32.add (local.get $off)
                    (i32.and (local.get $mask)
                      (i32.load (i32.add (local.get $col)
                        (i32.shl (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2))))
                          (local.get $shift)))))))
                (local.set $p (i32.add (local.get $sums) (i32.shl (local.get $b) (i32.const 3))))
                (f64.store (local.get $p)
                  (f64.add (f64.load (local.get $p))
                    (f64.load (i32.add (local.get $og) (i32.shl (local.get $i) (i32.const 3))))))
                (local.set $p (i32.add (local.get $counts) (i32.shl (local.get $b) (i32.const 2))))
                (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $row))))
          (else
            (block $rowsDone2
              (loop $row2
                (br_if $rowsDone2 (i32.ge_u (local.get $i) (local.get $m)))
                (local.set $b
                  (i32.add (local.get $off)
                    (i32.and (local.get $mask)
                      (i32.load (i32.add (local.get $col)
                        (i32.shl (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2))))
                          (local.get $shift)))))))
                (local.set $p (i32.add (local.get $sums) (i32.shl (local.get $b) (i32.const 3))))
                (f64.store (local.get $p)
                  (f64.add (f64.load (local.get $p))
                    (f64.load (i32.add (local.get $og) (i32.shl (local.get $i) (i32.const 3))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $row2)))))
        (local.set $f (i32.add (local.get $f) (i32.const 1)))
        (br $feature)))
  )

  ;; The same over every row in order, for features [from, to) (the root of a tree grown on all
  ;; rows): no row indirection, and sums only, since the counts over all rows never change.
  (func (export "histogramAll")
    (param $n i32) (param $g i32) (param $codes i32) (param $from i32) (param $to i32)
    (param $offsets i32) (param $width i32) (param $mask i32) (param $sums i32)
    (local $r i32) (local $f i32) (local $col i32) (local $off i32) (local $p i32) (local $shift i32)
    (local.set $shift (i32.ctz (local.get $width)))
    (local.set $f (local.get $from))
    (block $done
      (loop $feature
        (br_if $done (i32.ge_u (local.get $f) (local.get $to)))
        (local.set $col
          (i32.add (local.get $codes) (i32.shl (i32.mul (local.get $f) (local.get $n)) (local.get $shift))))
        (local.set $off (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $f) (i32.const 2)))))
        (local.set $r (i32.const 0))
        (block $rowsDone
          (loop $row
            (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
            (local.set $p
              (i32.add (local.get $sums)
                (i32.shl
                  (i32.add (local.get $off)
                    (i32.and (local.get $mask)
                      (i32.load (i32.add (local.get $col) (i32.shl (local.get $r) (local.get $shift))))))
                  (i32.const 3))))
            (f64.store (local.get $p)
              (f64.add (f64.load (local.get $p))
                (f64.load (i32.add (local.get $g) (i32.shl (local.get $r) (i32.const 3))))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $row)))
        (local.set $f (i32.add (local.get $f) (i32.const 1)))
        (br $feature)))
  )

  ;; Stable partition of rows[0..m) by one feature's bin codes (col points at that feature's codes):
  ;; rows whose bin is at most last stay in front, in order; the others follow, in order (through tmp).
  ;; Stores the sum and sum of squares of g over each side at stats[0..4) and returns the left count.
  (func (export "partition")
    (param $rows i32) (param $m i32) (param $tmp i32) (param $col i32) (param $width i32) (param $mask i32)
    (param $last i32) (param $g i32) (param $stats i32) (result i32)
    (local $i i32) (local $l i32) (local $r i32) (local $row i32) (local $shift i32) (local $v f64)
    (local $ls f64) (local $lq f64) (local $rs f64) (local $rq f64)
    (local.set $shift (i32.ctz (local.get $width)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $v (f64.load (i32.add (local.get $g) (i32.shl (local.get $row) (i32.const 3)))))
        (if (i32.le_u
              (i32.and (local.get $mask)
                (i32.load (i32.add (local.get $col) (i32.shl (local.get $row) (local.get $shift)))))
              (local.get $last))
          (then
            (i32.store (i32.add (local.get $rows) (i32.shl (local.get $l) (i32.const 2))) (local.get $row))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (local.set $ls (f64.add (local.get $ls) (local.get $v)))
            (local.set $lq (f64.add (local.get $lq) (f64.mul (local.get $v) (local.get $v)))))
          (else
            (i32.store (i32.add (local.get $tmp) (i32.shl (local.get $r) (i32.const 2))) (local.get $row))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (local.set $rs (f64.add (local.get $rs) (local.get $v)))
            (local.set $rq (f64.add (local.get $rq) (f64.mul (local.get $v) (local.get $v))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (memory.copy
      (i32.add (local.get $rows) (i32.shl (local.get $l) (i32.const 2)))
      (local.get $tmp)
      (i32.shl (local.get $r) (i32.const 2)))
    (f64.store (local.get $stats) (local.get $ls))
    (f64.store offset=8 (local.get $stats) (local.get $lq))
    (f64.store offset=16 (local.get $stats) (local.get $rs))
    (f64.store offset=24 (local.get $stats) (local.get $rq))
    (local.get $l)
  )
)
