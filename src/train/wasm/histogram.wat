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
  ;; Math.exp, for the rare row whose exp(-raw) product left float64's range.
  (import "env" "exp" (func $exp (param f64) (result f64)))

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
    (local $f i32) (local $col i32) (local $off i32) (local $s i32) (local $c i32) (local $b i32)
    (local $p i32) (local $pr i32) (local $pv i32) (local $end i32) (local $shift i32)
    (local.set $shift (i32.ctz (local.get $width)))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $m) (i32.const 2))))
    (local.set $f (local.get $from))
    (block $done
      (loop $feature
        (br_if $done (i32.ge_u (local.get $f) (local.get $to)))
        (local.set $col
          (i32.add (local.get $codes) (i32.shl (i32.mul (local.get $f) (local.get $n)) (local.get $shift))))
        (local.set $off (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $f) (i32.const 2)))))
        (local.set $s (i32.add (local.get $sums) (i32.shl (local.get $off) (i32.const 3))))
        (local.set $c (i32.add (local.get $counts) (i32.shl (local.get $off) (i32.const 2))))
        (local.set $pr (local.get $rows))
        (local.set $pv (local.get $og))
        (if (i32.lt_u (local.get $pr) (local.get $end))
          (then
            (if (i32.and (local.get $count) (i32.eq (local.get $width) (i32.const 1)))
              (then
                (loop $byteCounted
                  (local.set $b (i32.load8_u (i32.add (local.get $col) (i32.load (local.get $pr)))))
                  (local.set $p (i32.add (local.get $s) (i32.shl (local.get $b) (i32.const 3))))
                  (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.load (local.get $pv))))
                  (local.set $p (i32.add (local.get $c) (i32.shl (local.get $b) (i32.const 2))))
                  (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
                  (local.set $pr (i32.add (local.get $pr) (i32.const 4)))
                  (local.set $pv (i32.add (local.get $pv) (i32.const 8)))
                  (br_if $byteCounted (i32.lt_u (local.get $pr) (local.get $end)))))
              (else
                (loop $wide
                  (local.set $b
                    (i32.and (local.get $mask)
                      (i32.load (i32.add (local.get $col)
                        (i32.shl (i32.load (local.get $pr)) (local.get $shift))))))
                  (local.set $p (i32.add (local.get $s) (i32.shl (local.get $b) (i32.const 3))))
                  (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.load (local.get $pv))))
                  (if (local.get $count)
                    (then
                      (local.set $p (i32.add (local.get $c) (i32.shl (local.get $b) (i32.const 2))))
                      (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))))
                  (local.set $pr (i32.add (local.get $pr) (i32.const 4)))
                  (local.set $pv (i32.add (local.get $pv) (i32.const 8)))
                  (br_if $wide (i32.lt_u (local.get $pr) (local.get $end))))))))
        (local.set $f (i32.add (local.get $f) (i32.const 1)))
        (br $feature)))
  )

  ;; The same over every row in order, for features [from, to) (the root of a tree grown on all
  ;; rows): no row indirection, and sums only, since the counts over all rows never change.
  (func (export "histogramAll")
    (param $n i32) (param $g i32) (param $codes i32) (param $from i32) (param $to i32)
    (param $offsets i32) (param $width i32) (param $mask i32) (param $sums i32)
    (local $f i32) (local $col i32) (local $s i32) (local $p i32) (local $pc i32) (local $pv i32)
    (local $end i32) (local $shift i32)
    (local.set $shift (i32.ctz (local.get $width)))
    (local.set $f (local.get $from))
    (block $done
      (loop $feature
        (br_if $done (i32.ge_u (local.get $f) (local.get $to)))
        (local.set $col
          (i32.add (local.get $codes) (i32.shl (i32.mul (local.get $f) (local.get $n)) (local.get $shift))))
        (local.set $s
          (i32.add (local.get $sums)
            (i32.shl (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $f) (i32.const 2))))
              (i32.const 3))))
        (local.set $pc (local.get $col))
        (local.set $pv (local.get $g))
        (local.set $end (i32.add (local.get $col) (i32.shl (local.get $n) (local.get $shift))))
        (if (i32.lt_u (local.get $pc) (local.get $end))
          (then
            (if (i32.eq (local.get $width) (i32.const 1))
              (then
                (loop $byte
                  (local.set $p (i32.add (local.get $s) (i32.shl (i32.load8_u (local.get $pc)) (i32.const 3))))
                  (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.load (local.get $pv))))
                  (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
                  (local.set $pv (i32.add (local.get $pv) (i32.const 8)))
                  (br_if $byte (i32.lt_u (local.get $pc) (local.get $end)))))
              (else
                (loop $wide
                  (local.set $p
                    (i32.add (local.get $s)
                      (i32.shl (i32.and (local.get $mask) (i32.load (local.get $pc))) (i32.const 3))))
                  (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.load (local.get $pv))))
                  (local.set $pc (i32.add (local.get $pc) (local.get $width)))
                  (local.set $pv (i32.add (local.get $pv) (i32.const 8)))
                  (br_if $wide (i32.lt_u (local.get $pc) (local.get $end))))))))
        (local.set $f (i32.add (local.get $f) (i32.const 1)))
        (br $feature)))
  )

  ;; Stable partition of rows[0..m) by one feature's bin codes (col points at that feature's codes):
  ;; rows whose bin is at most last stay in front, in order; the others follow, in order, in tmp[0..)
  ;; and, when back is 1, copied back after them. Stores the sum and sum of squares of g over each
  ;; side at stats[0..4) and returns the left count.
  ;; The loop has no branch on the side, a coin toss at most splits, whose mispredictions cost more
  ;; than the rest of a row: each row is written to both places and only that side's position moves.
  ;; The sums are taken after, over each side's rows in order, as the branching loop took them.
  (func (export "partition")
    (param $rows i32) (param $m i32) (param $tmp i32) (param $col i32) (param $width i32) (param $mask i32)
    (param $last i32) (param $g i32) (param $stats i32) (param $back i32) (result i32)
    (local $i i32) (local $l i32) (local $r i32) (local $row i32) (local $shift i32) (local $left i32)
    (local $right i32)
    (local.set $shift (i32.ctz (local.get $width)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $left
          (i32.le_u
            (i32.and (local.get $mask)
              (i32.load (i32.add (local.get $col) (i32.shl (local.get $row) (local.get $shift)))))
            (local.get $last)))
        ;; rows[l] is at or before rows[i], already read.
        (i32.store (i32.add (local.get $rows) (i32.shl (local.get $l) (i32.const 2))) (local.get $row))
        (i32.store (i32.add (local.get $tmp) (i32.shl (local.get $r) (i32.const 2))) (local.get $row))
        (local.set $l (i32.add (local.get $l) (local.get $left)))
        (local.set $r (i32.sub (i32.add (local.get $r) (i32.const 1)) (local.get $left)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $right (local.get $tmp))
    (if (local.get $back)
      (then
        (local.set $right (i32.add (local.get $rows) (i32.shl (local.get $l) (i32.const 2))))
        (memory.copy (local.get $right) (local.get $tmp) (i32.shl (local.get $r) (i32.const 2)))))
    (call $rowSums (local.get $rows) (local.get $l) (local.get $g) (local.get $stats))
    (call $rowSums (local.get $right) (local.get $r) (local.get $g) (i32.add (local.get $stats) (i32.const 16)))
    (local.get $l)
  )

  ;; The sum and the sum of squares of g over rows[0..m), in order, at stats.
  (func $rowSums (param $rows i32) (param $m i32) (param $g i32) (param $stats i32)
    (local $i i32) (local $v f64) (local $sum f64) (local $sq f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $v
          (f64.load (i32.add (local.get $g)
            (i32.shl (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2))))
              (i32.const 3)))))
        (local.set $sum (f64.add (local.get $sum) (local.get $v)))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $v) (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $stats) (local.get $sum))
    (f64.store offset=8 (local.get $stats) (local.get $sq))
  )

  ;; A leaf's Newton step of log-loss, over rows[0..m) (the leaf's segment): stores at stats the sum
  ;; of g, then the sum of p (1 - p), where p = [y = cls] - g is the probability the gradient was
  ;; taken at (y: the rows' class codes, i32).
  (func (export "newton")
    (param $rows i32) (param $m i32) (param $g i32) (param $y i32) (param $cls i32) (param $stats i32)
    (local $i i32) (local $row i32) (local $v f64) (local $p f64) (local $num f64) (local $den f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $v (f64.load (i32.add (local.get $g) (i32.shl (local.get $row) (i32.const 3)))))
        (local.set $p
          (f64.sub
            (f64.convert_i32_s
              (i32.eq (i32.load (i32.add (local.get $y) (i32.shl (local.get $row) (i32.const 2))))
                (local.get $cls)))
            (local.get $v)))
        (local.set $num (f64.add (local.get $num) (local.get $v)))
        (local.set $den
          (f64.add (local.get $den) (f64.mul (local.get $p) (f64.sub (f64.const 1) (local.get $p)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $stats) (local.get $num))
    (f64.store offset=8 (local.get $stats) (local.get $den))
  )

  ;; Binary log-loss, for a leaf's rows[0..m): adds the leaf's step d to each row's raw score, keeps
  ;; expNeg = exp(-raw) by multiplying in factor = exp(-d) (from the score itself once the product
  ;; leaves float64's range), and writes the next tree's gradient y - 1 / (1 + expNeg) into g.
  (func (export "updateBinary")
    (param $rows i32) (param $m i32) (param $raw i32) (param $expNeg i32) (param $g i32) (param $y i32)
    (param $d f64) (param $factor f64)
    (local $i i32) (local $row i32) (local $s f64) (local $e f64) (local $p i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $p (i32.add (local.get $raw) (i32.shl (local.get $row) (i32.const 3))))
        (local.set $s (f64.add (f64.load (local.get $p)) (local.get $d)))
        (f64.store (local.get $p) (local.get $s))
        (local.set $p (i32.add (local.get $expNeg) (i32.shl (local.get $row) (i32.const 3))))
        (local.set $e (f64.mul (f64.load (local.get $p)) (local.get $factor)))
        (if (i32.eqz
              (i32.and (f64.gt (local.get $e) (f64.const 0)) (f64.lt (local.get $e) (f64.const inf))))
          (then (local.set $e (call $exp (f64.neg (local.get $s))))))
        (f64.store (local.get $p) (local.get $e))
        (f64.store (i32.add (local.get $g) (i32.shl (local.get $row) (i32.const 3)))
          (f64.sub
            (f64.convert_i32_s (i32.load (i32.add (local.get $y) (i32.shl (local.get $row) (i32.const 2)))))
            (f64.div (f64.const 1) (f64.add (f64.const 1) (local.get $e)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
  )

  ;; Squared error, for a leaf's rows[0..m): adds d to each row's raw score and writes the next
  ;; tree's target y - raw into g (y: the rows' values, f64).
  (func (export "updateSquared")
    (param $rows i32) (param $m i32) (param $raw i32) (param $g i32) (param $y i32) (param $d f64)
    (local $i i32) (local $row i32) (local $s f64) (local $p i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $p (i32.add (local.get $raw) (i32.shl (local.get $row) (i32.const 3))))
        (local.set $s (f64.add (f64.load (local.get $p)) (local.get $d)))
        (f64.store (local.get $p) (local.get $s))
        (f64.store (i32.add (local.get $g) (i32.shl (local.get $row) (i32.const 3)))
          (f64.sub
            (f64.load (i32.add (local.get $y) (i32.shl (local.get $row) (i32.const 3))))
            (local.get $s)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
  )

  ;; Copies bytes [from, from + bytes) to [to, ...), the ranges possibly overlapping (memmove).
  (func (export "move") (param $to i32) (param $from i32) (param $bytes i32)
    (memory.copy (local.get $to) (local.get $from) (local.get $bytes))
  )
;; The best numeric split of a node from its histogram better than `best`, scanning features
  ;; order[0..features) in that order and each feature's bins left to right (sums f64, counts u32, bin
  ;; offsets i32): for each cut between two non-empty bins leaving at least minLeaf rows on each side,
  ;; friedman_mse's proxy (nRight * sumLeft - nLeft * (sum - sumLeft))^2 / (nLeft * nRight) over the
  ;; node's n rows; only a strictly larger one replaces the best, so ties go to the first seen. Stores
  ;; at out the best proxy (f64, `best` itself if none beat it), then its feature (-1 if none), the last
  ;; bin on its left and the first on its right.
  (func (export "bestSplit")
    (param $sums i32) (param $counts i32) (param $offsets i32) (param $order i32) (param $features i32)
    (param $n f64) (param $sum f64) (param $minLeaf f64) (param $best f64) (param $out i32)
    (local $k i32) (local $f i32) (local $b i32) (local $end i32) (local $prev i32) (local $count i32)
    (local $sumLeft f64) (local $nLeft f64) (local $nRight f64) (local $diff f64) (local $proxy f64)
    (local $bestF i32) (local $bestPrev i32) (local $bestB i32)
    (local.set $bestF (i32.const -1))
    (block $done
      (loop $feature
        (br_if $done (i32.ge_u (local.get $k) (local.get $features)))
        (local.set $f (i32.load (i32.add (local.get $order) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $b (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $f) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $f) (i32.const 2)))))
        (local.set $sumLeft (f64.const 0))
        (local.set $nLeft (f64.const 0))
        (local.set $prev (i32.const -1))
        (block $binsDone
          (loop $bin
            (br_if $binsDone (i32.ge_u (local.get $b) (local.get $end)))
            (local.set $count (i32.load (i32.add (local.get $counts) (i32.shl (local.get $b) (i32.const 2)))))
            (if (local.get $count)
              (then
                (if (i32.and (i32.ge_s (local.get $prev) (i32.const 0))
                      (i32.and (f64.ge (local.get $nLeft) (local.get $minLeaf))
                        (f64.ge (f64.sub (local.get $n) (local.get $nLeft)) (local.get $minLeaf))))
                  (then
                    (local.set $nRight (f64.sub (local.get $n) (local.get $nLeft)))
                    (local.set $diff
                      (f64.sub (f64.mul (local.get $nRight) (local.get $sumLeft))
                        (f64.mul (local.get $nLeft) (f64.sub (local.get $sum) (local.get $sumLeft)))))
                    (local.set $proxy
                      (f64.div (f64.mul (local.get $diff) (local.get $diff))
                        (f64.mul (local.get $nLeft) (local.get $nRight))))
                    (if (f64.gt (local.get $proxy) (local.get $best))
                      (then
                        (local.set $best (local.get $proxy))
                        (local.set $bestF (local.get $f))
                        (local.set $bestPrev (local.get $prev))
                        (local.set $bestB (local.get $b))))))
                (local.set $sumLeft
                  (f64.add (local.get $sumLeft) (f64.load (i32.add (local.get $sums) (i32.shl (local.get $b) (i32.const 3))))))
                (local.set $nLeft (f64.add (local.get $nLeft) (f64.convert_i32_u (local.get $count))))
                (local.set $prev (local.get $b))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bin)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $feature)))
    (f64.store (local.get $out) (local.get $best))
    (i32.store offset=8 (local.get $out) (local.get $bestF))
    (i32.store offset=12 (local.get $out) (local.get $bestPrev))
    (i32.store offset=16 (local.get $out) (local.get $bestB))
  )
)
