;; The binning's loops over every value of a feature: the radix sort of its keys, and finding each
;; row's bin. WebAssembly because these passes ran at 10 ns a value and more in JavaScript (the sort of
;; 100,000 x 20 values took 100 ms of a 1 s fit). binning.ts makes the memory (its own, not the
;; grower's), lays it out, and keeps the parts that do not touch every value.
;;
;; A float32's key is its bits with every bit flipped when negative, else the sign bit set: the keys'
;; unsigned order is the values' order (-0 before 0).
(module
  (memory (import "env" "memory") 1)

  (func $key (param $u i32) (result i32)
    (select
      (i32.xor (local.get $u) (i32.const -1))
      (i32.or (local.get $u) (i32.const 0x80000000))
      (i32.lt_s (local.get $u) (i32.const 0))))

  ;; Sorts the keys of column[pick[i]] for i < m (column[i] when usePick is 0) into key (tmp is
  ;; scratch, counts 4 x 256 u32), four LSD passes of 8 bits, then writes the sorted values' bits into
  ;; values.
  (func (export "sort")
    (param $column i32) (param $pick i32) (param $usePick i32) (param $m i32) (param $key i32)
    (param $tmp i32) (param $counts i32) (param $values i32)
    (local $i i32) (local $k i32) (local $p i32) (local $pass i32) (local $shift i32) (local $base i32)
    (local $d i32) (local $total i32) (local $c i32) (local $src i32) (local $dst i32) (local $row i32)
    (memory.fill (local.get $counts) (i32.const 0) (i32.const 4096))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row
          (select
            (i32.load (i32.add (local.get $pick) (i32.shl (local.get $i) (i32.const 2))))
            (local.get $i)
            (local.get $usePick)))
        (local.set $k (call $key (i32.load (i32.add (local.get $column) (i32.shl (local.get $row) (i32.const 2))))))
        (i32.store (i32.add (local.get $key) (i32.shl (local.get $i) (i32.const 2))) (local.get $k))
        (local.set $p (i32.add (local.get $counts) (i32.shl (i32.and (local.get $k) (i32.const 255)) (i32.const 2))))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
        (local.set $p
          (i32.add (local.get $counts)
            (i32.add (i32.const 1024) (i32.shl (i32.and (i32.shr_u (local.get $k) (i32.const 8)) (i32.const 255)) (i32.const 2)))))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
        (local.set $p
          (i32.add (local.get $counts)
            (i32.add (i32.const 2048) (i32.shl (i32.and (i32.shr_u (local.get $k) (i32.const 16)) (i32.const 255)) (i32.const 2)))))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
        (local.set $p
          (i32.add (local.get $counts)
            (i32.add (i32.const 3072) (i32.shl (i32.shr_u (local.get $k) (i32.const 24)) (i32.const 2)))))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $src (local.get $key))
    (local.set $dst (local.get $tmp))
    (block $passesDone
      (loop $passes
        (br_if $passesDone (i32.ge_u (local.get $pass) (i32.const 4)))
        (local.set $base (i32.add (local.get $counts) (i32.shl (local.get $pass) (i32.const 10))))
        (local.set $shift (i32.shl (local.get $pass) (i32.const 3)))
        ;; Counts to starting positions.
        (local.set $total (i32.const 0))
        (local.set $d (i32.const 0))
        (block $prefixDone
          (loop $prefix
            (br_if $prefixDone (i32.ge_u (local.get $d) (i32.const 256)))
            (local.set $p (i32.add (local.get $base) (i32.shl (local.get $d) (i32.const 2))))
            (local.set $c (i32.load (local.get $p)))
            (i32.store (local.get $p) (local.get $total))
            (local.set $total (i32.add (local.get $total) (local.get $c)))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $prefix)))
        (local.set $i (i32.const 0))
        (block $scatterDone
          (loop $scatter
            (br_if $scatterDone (i32.ge_u (local.get $i) (local.get $m)))
            (local.set $k (i32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $p
              (i32.add (local.get $base)
                (i32.shl (i32.and (i32.shr_u (local.get $k) (local.get $shift)) (i32.const 255)) (i32.const 2))))
            (local.set $c (i32.load (local.get $p)))
            (i32.store (local.get $p) (i32.add (local.get $c) (i32.const 1)))
            (i32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))) (local.get $k))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $scatter)))
        (local.set $c (local.get $src))
        (local.set $src (local.get $dst))
        (local.set $dst (local.get $c))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $passes)))
    ;; Four passes: the sorted keys are back in key. The values are their floats' bits.
    (local.set $i (i32.const 0))
    (block $valuesDone
      (loop $toValues
        (br_if $valuesDone (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $k (i32.load (i32.add (local.get $key) (i32.shl (local.get $i) (i32.const 2)))))
        (i32.store (i32.add (local.get $values) (i32.shl (local.get $i) (i32.const 2)))
          (select
            (i32.xor (local.get $k) (i32.const 0x80000000))
            (i32.xor (local.get $k) (i32.const -1))
            (i32.lt_s (local.get $k) (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $toValues)))
  )

  ;; Each row's bin, for column[0..rows): the last bin whose smallest value (binLo, f64) is at most the
  ;; row's value, searched between first[top 16 bits of its key] and first[those bits + 1]; written at
  ;; out as width-byte codes. With ranges 1, each bin's smallest and largest value go to rangeLo and
  ;; rangeHi (f64, set to +Infinity and -Infinity before; -0 below 0).
  (func (export "findBins")
    (param $column i32) (param $rows i32) (param $first i32) (param $binLo i32) (param $out i32)
    (param $width i32) (param $ranges i32) (param $rangeLo i32) (param $rangeHi i32)
    (local $r i32) (local $u i32) (local $k i32) (local $lo i32) (local $hi i32) (local $mid i32)
    (local $v f64) (local $p i32) (local $w f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $u (i32.load (i32.add (local.get $column) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $v (f64.promote_f32 (f32.reinterpret_i32 (local.get $u))))
        (local.set $k (call $key (local.get $u)))
        (local.set $p (i32.add (local.get $first) (i32.shl (i32.shr_u (local.get $k) (i32.const 16)) (i32.const 2))))
        (local.set $lo (i32.load (local.get $p)))
        (local.set $hi (i32.load offset=4 (local.get $p)))
        (block $found
          (loop $search
            (br_if $found (i32.ge_u (local.get $lo) (local.get $hi)))
            (local.set $mid (i32.shr_u (i32.add (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)) (i32.const 1)))
            (if (f64.le (f64.load (i32.add (local.get $binLo) (i32.shl (local.get $mid) (i32.const 3)))) (local.get $v))
              (then (local.set $lo (local.get $mid)))
              (else (local.set $hi (i32.sub (local.get $mid) (i32.const 1)))))
            (br $search)))
        (if (i32.eq (local.get $width) (i32.const 1))
          (then (i32.store8 (i32.add (local.get $out) (local.get $r)) (local.get $lo)))
          (else
            (if (i32.eq (local.get $width) (i32.const 2))
              (then (i32.store16 (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 1))) (local.get $lo)))
              (else (i32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $lo))))))
        (if (local.get $ranges)
          (then
            (local.set $p (i32.add (local.get $rangeLo) (i32.shl (local.get $lo) (i32.const 3))))
            (local.set $w (f64.load (local.get $p)))
            (if (i32.or (f64.lt (local.get $v) (local.get $w))
                  (i32.and (i32.and (f64.eq (local.get $v) (f64.const 0)) (f64.eq (local.get $w) (f64.const 0)))
                    (i32.eq (local.get $u) (i32.const 0x80000000))))
              (then (f64.store (local.get $p) (local.get $v))))
            (local.set $p (i32.add (local.get $rangeHi) (i32.shl (local.get $lo) (i32.const 3))))
            (local.set $w (f64.load (local.get $p)))
            (if (i32.or (f64.gt (local.get $v) (local.get $w))
                  (i32.and (i32.and (f64.eq (local.get $v) (f64.const 0)) (f64.eq (local.get $w) (f64.const 0)))
                    (i32.eqz (local.get $u))))
              (then (f64.store (local.get $p) (local.get $v))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next)))
  )
;; Groups of the sorted values (f32, values[0..m)) chained closer than threshold: a value within
  ;; threshold of the open group's largest joins it. Writes each group's smallest and largest value
  ;; (f64) and count (f64) and returns how many groups there are.
  (func (export "groups")
    (param $values i32) (param $m i32) (param $threshold f64) (param $gLo i32) (param $gHi i32)
    (param $gCount i32) (result i32)
    (local $i i32) (local $groups i32) (local $v f64) (local $last f64) (local $p i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $v (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $i) (i32.const 2))))))
        (if (i32.and (i32.gt_u (local.get $groups) (i32.const 0))
              (f64.le (local.get $v) (f64.add (local.get $last) (local.get $threshold))))
          (then
            (local.set $p (i32.shl (i32.sub (local.get $groups) (i32.const 1)) (i32.const 3)))
            (f64.store (i32.add (local.get $gHi) (local.get $p)) (local.get $v))
            (f64.store (i32.add (local.get $gCount) (local.get $p))
              (f64.add (f64.load (i32.add (local.get $gCount) (local.get $p))) (f64.const 1))))
          (else
            (local.set $p (i32.shl (local.get $groups) (i32.const 3)))
            (f64.store (i32.add (local.get $gLo) (local.get $p)) (local.get $v))
            (f64.store (i32.add (local.get $gHi) (local.get $p)) (local.get $v))
            (f64.store (i32.add (local.get $gCount) (local.get $p)) (f64.const 1))
            (local.set $groups (i32.add (local.get $groups) (i32.const 1)))))
        (local.set $last (local.get $v))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $groups)
  )

  ;; Quantile bins over groups[0..groups) of m values: a bin opens at a group and closes once the
  ;; values seen reach count * m / maxBins. Writes each bin's smallest and largest value (binLo and
  ;; binHi, f64) and returns how many bins there are.
  (func (export "quantiles")
    (param $gLo i32) (param $gHi i32) (param $gCount i32) (param $groups i32) (param $m f64)
    (param $maxBins f64) (param $binLo i32) (param $binHi i32) (result i32)
    (local $g i32) (local $count i32) (local $open i32) (local $seen f64) (local $p i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $groups)))
        (local.set $p (i32.shl (local.get $g) (i32.const 3)))
        (if (i32.eqz (local.get $open))
          (then
            (f64.store (i32.add (local.get $binLo) (i32.shl (local.get $count) (i32.const 3)))
              (f64.load (i32.add (local.get $gLo) (local.get $p))))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $open (i32.const 1))))
        (f64.store (i32.add (local.get $binHi) (i32.shl (i32.sub (local.get $count) (i32.const 1)) (i32.const 3)))
          (f64.load (i32.add (local.get $gHi) (local.get $p))))
        (local.set $seen (f64.add (local.get $seen) (f64.load (i32.add (local.get $gCount) (local.get $p)))))
        (if (f64.ge (local.get $seen)
              (f64.div (f64.mul (f64.convert_i32_u (local.get $count)) (local.get $m)) (local.get $maxBins)))
          (then (local.set $open (i32.const 0))))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $next)))
    (local.get $count)
  )

  ;; findBins' table for bins[0..count) (binLo, f64 values of float32s): first[p] is the last bin
  ;; whose smallest value's key is at most p << 16, the smallest key with top bits p; first[65536] is
  ;; the last bin.
  (func (export "firstTable") (param $binLo i32) (param $count i32) (param $first i32)
    (local $p i32) (local $b i32) (local $next i32)
    (if (i32.gt_u (local.get $count) (i32.const 1))
      (then (local.set $next (call $key (i32.reinterpret_f32 (f32.demote_f64 (f64.load offset=8 (local.get $binLo))))))))
    (block $done
      (loop $prefix
        (br_if $done (i32.ge_u (local.get $p) (i32.const 65536)))
        (block $settled
          (loop $advance
            (br_if $settled (i32.ge_u (i32.add (local.get $b) (i32.const 1)) (local.get $count)))
            (br_if $settled (i32.gt_u (local.get $next) (i32.shl (local.get $p) (i32.const 16))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (if (i32.lt_u (i32.add (local.get $b) (i32.const 1)) (local.get $count))
              (then
                (local.set $next
                  (call $key (i32.reinterpret_f32 (f32.demote_f64
                    (f64.load (i32.add (local.get $binLo) (i32.shl (i32.add (local.get $b) (i32.const 1)) (i32.const 3))))))))))
            (br $advance)))
        (i32.store (i32.add (local.get $first) (i32.shl (local.get $p) (i32.const 2))) (local.get $b))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $prefix)))
    (i32.store (i32.add (local.get $first) (i32.const 262144)) (i32.sub (local.get $count) (i32.const 1)))
  )
)
