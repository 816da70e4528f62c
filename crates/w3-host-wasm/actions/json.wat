  ;; The JSON walker shared by the built-in actions; build.rs pastes it into each module at
  ;; its `;; #include "json.wat"` line. It expects the `w3` imports $input_len, $input_read and
  ;; $fail, and one memory. Static strings live below 256; the actions use 256..4095; the heap
  ;; starts at 4096 and only grows (an invocation is short-lived).
  ;;
  ;; Positions are byte addresses; a negative result means malformed JSON or "not there".

  (data (i32.const 0) "out of memory\00")
  (data (i32.const 16) "true")
  (data (i32.const 20) "false")
  (data (i32.const 25) "null")
  (data (i32.const 32) "the input is not valid JSON\00")
  (data (i32.const 64) "the value is not valid JSON\00")

  (global $heap (mut i32) (i32.const 4096))
  ;; Length of the string last decoded by $string.
  (global $slen (mut i32) (i32.const 0))
  ;; The path segment at which $select stopped.
  (global $seg (mut i32) (i32.const 0))
  (global $seg_end (mut i32) (i32.const 0))
  ;; The input, read once by $load_input.
  (global $in (mut i32) (i32.const 0))
  (global $in_end (mut i32) (i32.const 0))
  ;; The string builder: it always occupies the top of the heap.
  (global $sb (mut i32) (i32.const 0))
  (global $sbn (mut i32) (i32.const 0))

  ;; ---- memory and messages ----

  ;; Returns the length of the NUL-terminated string at $p.
  (func $strlen (param $p i32) (result i32)
    (local $q i32)
    (local.set $q (local.get $p))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (local.get $q))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $q) (local.get $p)))

  ;; Ends the run with the NUL-terminated message at $p.
  (func $fail_c (param $p i32)
    (call $fail (local.get $p) (call $strlen (local.get $p))))

  ;; Grows memory so that addresses below $end exist.
  (func $reserve (param $end i32)
    (local $have i32)
    (if (i32.gt_u (local.get $end) (i32.const 0x7fff0000))
      (then (call $fail_c (i32.const 0))))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff)) (i32.const 16)))
              (i32.const -1))
          (then (call $fail_c (i32.const 0)))))))

  ;; Returns $n fresh bytes.
  (func $alloc (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (if (i32.gt_u (local.get $n) (i32.const 0x7fff0000))
      (then (call $fail_c (i32.const 0))))
    (call $reserve (i32.add (local.get $p) (local.get $n)))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.get $p))

  (func $sb_begin
    (global.set $sb (global.get $heap))
    (global.set $sbn (i32.const 0)))

  (func $sb_bytes (param $p i32) (param $n i32)
    (local $at i32)
    (local.set $at (i32.add (global.get $sb) (global.get $sbn)))
    (call $reserve (i32.add (local.get $at) (local.get $n)))
    (memory.copy (local.get $at) (local.get $p) (local.get $n))
    (global.set $sbn (i32.add (global.get $sbn) (local.get $n))))

  (func $sb_byte (param $b i32)
    (local $at i32)
    (local.set $at (i32.add (global.get $sb) (global.get $sbn)))
    (call $reserve (i32.add (local.get $at) (i32.const 1)))
    (i32.store8 (local.get $at) (local.get $b))
    (global.set $sbn (i32.add (global.get $sbn) (i32.const 1))))

  (func $sb_c (param $p i32)
    (call $sb_bytes (local.get $p) (call $strlen (local.get $p))))

  (func $hexdigit (param $d i32) (result i32)
    (select (i32.add (local.get $d) (i32.const 48)) (i32.add (local.get $d) (i32.const 87))
      (i32.lt_u (local.get $d) (i32.const 10))))

  ;; Appends the bytes as a JSON string literal, quotes included.
  (func $sb_quoted (param $p i32) (param $n i32)
    (local $end i32) (local $c i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (call $sb_byte (i32.const 34))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
          (then
            (call $sb_byte (i32.const 92))
            (call $sb_byte (local.get $c)))
          (else
            (if (i32.lt_u (local.get $c) (i32.const 32))
              (then
                (call $sb_byte (i32.const 92))
                (call $sb_byte (i32.const 117))
                (call $sb_byte (i32.const 48))
                (call $sb_byte (i32.const 48))
                (call $sb_byte (call $hexdigit (i32.shr_u (local.get $c) (i32.const 4))))
                (call $sb_byte (call $hexdigit (i32.and (local.get $c) (i32.const 15)))))
              (else (call $sb_byte (local.get $c))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (call $sb_byte (i32.const 34)))

  ;; Ends the string builder: its bytes stay allocated; returns where they start ($sbn long).
  (func $sb_end (result i32)
    (global.set $heap (i32.add (global.get $sb) (global.get $sbn)))
    (global.get $sb))

  ;; ---- scanning ----

  ;; Returns the byte at $p, or -1 at the end.
  (func $peek (param $p i32) (param $end i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $p) (local.get $end))
      (then (i32.load8_u (local.get $p)))
      (else (i32.const -1))))

  (func $ws (param $p i32) (param $end i32) (result i32)
    (local $c i32)
    (block $done
      (loop $next
        (local.set $c (call $peek (local.get $p) (local.get $end)))
        (br_if $done
          (i32.eqz
            (i32.or
              (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
              (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (local.get $p))

  (func $is_digit (param $c i32) (result i32)
    (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))

  ;; Returns the position after the digits at $p (maybe $p itself).
  (func $digits (param $p i32) (param $end i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (call $is_digit (call $peek (local.get $p) (local.get $end)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (local.get $p))

  ;; Returns the position after the $n bytes at $s if they are at $p, else -1.
  (func $match (param $p i32) (param $end i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32)
    (if (i32.gt_u (local.get $n) (i32.sub (local.get $end) (local.get $p)))
      (then (return (i32.const -1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $i)))
                    (i32.load8_u (i32.add (local.get $s) (local.get $i))))
          (then (return (i32.const -1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.add (local.get $p) (local.get $n)))

  ;; Returns the value of a hex digit, or -1.
  (func $hexval (param $c i32) (result i32)
    (if (call $is_digit (local.get $c)) (then (return (i32.sub (local.get $c) (i32.const 48)))))
    (local.set $c (i32.or (local.get $c) (i32.const 32)))
    (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 6))
      (then (return (i32.sub (local.get $c) (i32.const 87)))))
    (i32.const -1))

  ;; Returns the number written by the four hex digits at $p, or -1.
  (func $hex4 (param $p i32) (param $end i32) (result i32)
    (local $i i32) (local $v i32) (local $d i32)
    (if (i32.gt_u (i32.const 4) (i32.sub (local.get $end) (local.get $p)))
      (then (return (i32.const -1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 4)))
        (local.set $d (call $hexval (i32.load8_u (i32.add (local.get $p) (local.get $i)))))
        (if (i32.lt_s (local.get $d) (i32.const 0)) (then (return (i32.const -1))))
        (local.set $v (i32.or (i32.shl (local.get $v) (i32.const 4)) (local.get $d)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $v))

  ;; Stores byte $b at $out + $k unless $out is 0 (counting only).
  (func $put (param $out i32) (param $k i32) (param $b i32)
    (if (local.get $out)
      (then (i32.store8 (i32.add (local.get $out) (local.get $k)) (local.get $b)))))

  ;; Writes code point $cp as UTF-8 at $out (unless 0); returns its length.
  (func $utf8 (param $cp i32) (param $out i32) (result i32)
    (if (i32.lt_u (local.get $cp) (i32.const 0x80))
      (then
        (call $put (local.get $out) (i32.const 0) (local.get $cp))
        (return (i32.const 1))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x800))
      (then
        (call $put (local.get $out) (i32.const 0) (i32.or (i32.const 0xc0) (i32.shr_u (local.get $cp) (i32.const 6))))
        (call $put (local.get $out) (i32.const 1) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 63))))
        (return (i32.const 2))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x10000))
      (then
        (call $put (local.get $out) (i32.const 0) (i32.or (i32.const 0xe0) (i32.shr_u (local.get $cp) (i32.const 12))))
        (call $put (local.get $out) (i32.const 1)
          (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 63))))
        (call $put (local.get $out) (i32.const 2) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 63))))
        (return (i32.const 3))))
    (call $put (local.get $out) (i32.const 0) (i32.or (i32.const 0xf0) (i32.shr_u (local.get $cp) (i32.const 18))))
    (call $put (local.get $out) (i32.const 1)
      (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 12)) (i32.const 63))))
    (call $put (local.get $out) (i32.const 2)
      (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 63))))
    (call $put (local.get $out) (i32.const 3) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 63))))
    (i32.const 4))

  ;; Reads the string literal at $p: returns the position after its closing quote, or -1 if it
  ;; is malformed (a control character, a bad escape, a lone surrogate, no closing quote).
  ;; Decodes it into $out unless $out is 0; $slen receives the decoded length either way.
  (func $string (param $p i32) (param $end i32) (param $out i32) (result i32)
    (local $c i32) (local $n i32) (local $cp i32) (local $lo i32)
    (if (i32.ne (call $peek (local.get $p) (local.get $end)) (i32.const 34))
      (then (return (i32.const -1))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (loop $next
      ;; wasmi charges fuel for a whole block when it is entered, so plain bytes get a loop of
      ;; their own, apart from the escape handling below.
      (block $special
        (loop $plain
          (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
          (local.set $c (i32.load8_u (local.get $p)))
          (br_if $special
            (i32.or (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
              (i32.lt_u (local.get $c) (i32.const 32))))
          (if (local.get $out)
            (then (i32.store8 (i32.add (local.get $out) (local.get $n)) (local.get $c))))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $plain)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (if (i32.eq (local.get $c) (i32.const 34))
        (then
          (global.set $slen (local.get $n))
          (return (local.get $p))))
      (if (i32.lt_u (local.get $c) (i32.const 32)) (then (return (i32.const -1))))
      ;; An escape.
      (local.set $c (call $peek (local.get $p) (local.get $end)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $cp (i32.const -1))
      (if (i32.eq (local.get $c) (i32.const 34)) (then (local.set $cp (i32.const 34))))
      (if (i32.eq (local.get $c) (i32.const 92)) (then (local.set $cp (i32.const 92))))
      (if (i32.eq (local.get $c) (i32.const 47)) (then (local.set $cp (i32.const 47))))
      (if (i32.eq (local.get $c) (i32.const 98)) (then (local.set $cp (i32.const 8))))
      (if (i32.eq (local.get $c) (i32.const 102)) (then (local.set $cp (i32.const 12))))
      (if (i32.eq (local.get $c) (i32.const 110)) (then (local.set $cp (i32.const 10))))
      (if (i32.eq (local.get $c) (i32.const 114)) (then (local.set $cp (i32.const 13))))
      (if (i32.eq (local.get $c) (i32.const 116)) (then (local.set $cp (i32.const 9))))
      (if (i32.eq (local.get $c) (i32.const 117))
        (then
          (local.set $cp (call $hex4 (local.get $p) (local.get $end)))
          (if (i32.lt_s (local.get $cp) (i32.const 0)) (then (return (i32.const -1))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          ;; A trailing surrogate alone is malformed.
          (if (i32.eq (i32.and (local.get $cp) (i32.const 0xfc00)) (i32.const 0xdc00))
            (then (return (i32.const -1))))
          ;; A leading surrogate must be followed by `\u` and a trailing one.
          (if (i32.eq (i32.and (local.get $cp) (i32.const 0xfc00)) (i32.const 0xd800))
            (then
              (if (i32.ne (call $peek (local.get $p) (local.get $end)) (i32.const 92))
                (then (return (i32.const -1))))
              (if (i32.ne (call $peek (i32.add (local.get $p) (i32.const 1)) (local.get $end)) (i32.const 117))
                (then (return (i32.const -1))))
              (local.set $lo (call $hex4 (i32.add (local.get $p) (i32.const 2)) (local.get $end)))
              (if (i32.ne (i32.and (local.get $lo) (i32.const 0xfffffc00)) (i32.const 0xdc00))
                (then (return (i32.const -1))))
              (local.set $p (i32.add (local.get $p) (i32.const 6)))
              (local.set $cp
                (i32.add (i32.const 0x10000)
                  (i32.or
                    (i32.shl (i32.sub (local.get $cp) (i32.const 0xd800)) (i32.const 10))
                    (i32.sub (local.get $lo) (i32.const 0xdc00)))))))))
      (if (i32.lt_s (local.get $cp) (i32.const 0)) (then (return (i32.const -1))))
      (local.set $n
        (i32.add (local.get $n)
          (call $utf8 (local.get $cp)
            (select (i32.add (local.get $out) (local.get $n)) (i32.const 0) (local.get $out)))))
      (br $next))
    (unreachable))

  ;; Returns the position after the number at $p, or -1.
  (func $number (param $p i32) (param $end i32) (result i32)
    (local $c i32)
    (if (i32.eq (call $peek (local.get $p) (local.get $end)) (i32.const 45))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (local.set $c (call $peek (local.get $p) (local.get $end)))
    (if (i32.eq (local.get $c) (i32.const 48))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else
        (if (i32.eqz (call $is_digit (local.get $c))) (then (return (i32.const -1))))
        (local.set $p (call $digits (local.get $p) (local.get $end)))))
    (if (i32.eq (call $peek (local.get $p) (local.get $end)) (i32.const 46))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.eqz (call $is_digit (call $peek (local.get $p) (local.get $end))))
          (then (return (i32.const -1))))
        (local.set $p (call $digits (local.get $p) (local.get $end)))))
    (local.set $c (i32.or (call $peek (local.get $p) (local.get $end)) (i32.const 32)))
    (if (i32.eq (local.get $c) (i32.const 101))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (call $peek (local.get $p) (local.get $end)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 43)) (i32.eq (local.get $c) (i32.const 45)))
          (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
        (if (i32.eqz (call $is_digit (call $peek (local.get $p) (local.get $end))))
          (then (return (i32.const -1))))
        (local.set $p (call $digits (local.get $p) (local.get $end)))))
    (local.get $p))

  ;; Returns the position after the value at $p (after leading whitespace), or -1 if it is
  ;; malformed or nested in more than 127 arrays and objects (serde_json's limit).
  (func $value (param $p i32) (param $end i32) (param $depth i32) (result i32)
    (local $c i32)
    (local.set $p (call $ws (local.get $p) (local.get $end)))
    (local.set $c (call $peek (local.get $p) (local.get $end)))
    (if (i32.or (i32.eq (local.get $c) (i32.const 123)) (i32.eq (local.get $c) (i32.const 91)))
      (then (return (call $container (local.get $p) (local.get $end) (local.get $depth)))))
    (if (i32.eq (local.get $c) (i32.const 34))
      (then (return (call $string (local.get $p) (local.get $end) (i32.const 0)))))
    (if (i32.eq (local.get $c) (i32.const 116))
      (then (return (call $match (local.get $p) (local.get $end) (i32.const 16) (i32.const 4)))))
    (if (i32.eq (local.get $c) (i32.const 102))
      (then (return (call $match (local.get $p) (local.get $end) (i32.const 20) (i32.const 5)))))
    (if (i32.eq (local.get $c) (i32.const 110))
      (then (return (call $match (local.get $p) (local.get $end) (i32.const 25) (i32.const 4)))))
    (call $number (local.get $p) (local.get $end)))

  ;; Returns the position after the array or object at $p, or -1.
  (func $container (param $p i32) (param $end i32) (param $depth i32) (result i32)
    (local $close i32) (local $object i32)
    (if (i32.ge_u (local.get $depth) (i32.const 127)) (then (return (i32.const -1))))
    (local.set $object (i32.eq (i32.load8_u (local.get $p)) (i32.const 123)))
    (local.set $close (select (i32.const 125) (i32.const 93) (local.get $object)))
    (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
    (if (i32.eq (call $peek (local.get $p) (local.get $end)) (local.get $close))
      (then (return (i32.add (local.get $p) (i32.const 1)))))
    (loop $next
      (if (local.get $object)
        (then
          (local.set $p
            (call $string (call $ws (local.get $p) (local.get $end)) (local.get $end) (i32.const 0)))
          (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
          (local.set $p (call $ws (local.get $p) (local.get $end)))
          (if (i32.ne (call $peek (local.get $p) (local.get $end)) (i32.const 58))
            (then (return (i32.const -1))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))))
      (local.set $p
        (call $value (local.get $p) (local.get $end) (i32.add (local.get $depth) (i32.const 1))))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      (local.set $p (call $ws (local.get $p) (local.get $end)))
      (if (i32.eq (call $peek (local.get $p) (local.get $end)) (i32.const 44))
        (then
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $next))))
    (if (i32.eq (call $peek (local.get $p) (local.get $end)) (local.get $close))
      (then (return (i32.add (local.get $p) (i32.const 1)))))
    (i32.const -1))

  ;; Reports whether [$p, $end) is exactly one JSON value with optional whitespace around it.
  (func $valid (param $p i32) (param $end i32) (result i32)
    (local.set $p (call $value (local.get $p) (local.get $end) (i32.const 0)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const 0))))
    (i32.eq (call $ws (local.get $p) (local.get $end)) (local.get $end)))

  ;; Returns the array index written by [$s, $e) (1 to 9 ASCII digits), or -1.
  (func $index (param $s i32) (param $e i32) (result i32)
    (local $v i32)
    (if (i32.or (i32.eq (local.get $s) (local.get $e)) (i32.gt_u (i32.sub (local.get $e) (local.get $s)) (i32.const 9)))
      (then (return (i32.const -1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $s) (local.get $e)))
        (if (i32.eqz (call $is_digit (i32.load8_u (local.get $s)))) (then (return (i32.const -1))))
        (local.set $v
          (i32.add (i32.mul (local.get $v) (i32.const 10)) (i32.sub (i32.load8_u (local.get $s)) (i32.const 48))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $next)))
    (local.get $v))

  ;; Returns where the value at dot path [$s, $send) of the valid JSON [$p, $end) starts, -2 if
  ;; a key or index is not there, -3 if the path goes into a string, number, bool or null; on a
  ;; negative result [$seg, $seg_end) is the segment that failed. An empty path selects the
  ;; whole value; a segment selects an object's member by exact key (the first, if repeated),
  ;; or an array's element by decimal index.
  (func $select (param $p i32) (param $end i32) (param $s i32) (param $send i32) (result i32)
    (local $mark i32) (local $r i32)
    (local.set $mark (global.get $heap))
    (local.set $r
      (call $select_in (local.get $p) (local.get $end) (local.get $s) (local.get $send)
        (call $alloc (i32.sub (local.get $end) (local.get $p)))))
    (global.set $heap (local.get $mark))
    (local.get $r))

  (func $select_in (param $p i32) (param $end i32) (param $s i32) (param $send i32) (param $key i32) (result i32)
    (local $e i32) (local $c i32) (local $idx i32)
    (local.set $p (call $ws (local.get $p) (local.get $end)))
    (if (i32.eq (local.get $s) (local.get $send)) (then (return (local.get $p))))
    (loop $segment
      (local.set $e (local.get $s))
      (block $cut
        (loop $scan
          (br_if $cut (i32.ge_u (local.get $e) (local.get $send)))
          (br_if $cut (i32.eq (i32.load8_u (local.get $e)) (i32.const 46)))
          (local.set $e (i32.add (local.get $e) (i32.const 1)))
          (br $scan)))
      (global.set $seg (local.get $s))
      (global.set $seg_end (local.get $e))
      (local.set $c (call $peek (local.get $p) (local.get $end)))
      (block $found
        (if (i32.eq (local.get $c) (i32.const 123))
          (then
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (loop $member
              (local.set $p (call $ws (local.get $p) (local.get $end)))
              (if (i32.ne (call $peek (local.get $p) (local.get $end)) (i32.const 34))
                (then (return (i32.const -2))))
              (local.set $p (call $string (local.get $p) (local.get $end) (local.get $key)))
              ;; past the key, its whitespace and the colon
              (local.set $p
                (call $ws (i32.add (call $ws (local.get $p) (local.get $end)) (i32.const 1)) (local.get $end)))
              (br_if $found
                (i32.and
                  (i32.eq (global.get $slen) (i32.sub (local.get $e) (local.get $s)))
                  (i32.ge_s
                    (call $match (local.get $key) (i32.add (local.get $key) (global.get $slen))
                      (local.get $s) (global.get $slen))
                    (i32.const 0))))
              (local.set $p
                (call $ws (call $value (local.get $p) (local.get $end) (i32.const 0)) (local.get $end)))
              (if (i32.eq (call $peek (local.get $p) (local.get $end)) (i32.const 44))
                (then
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (br $member)))
              (return (i32.const -2)))))
        (if (i32.eq (local.get $c) (i32.const 91))
          (then
            (local.set $idx (call $index (local.get $s) (local.get $e)))
            (if (i32.lt_s (local.get $idx) (i32.const 0)) (then (return (i32.const -2))))
            (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
            (if (i32.eq (call $peek (local.get $p) (local.get $end)) (i32.const 93))
              (then (return (i32.const -2))))
            (loop $element
              (br_if $found (i32.eqz (local.get $idx)))
              (local.set $p
                (call $ws (call $value (local.get $p) (local.get $end) (i32.const 0)) (local.get $end)))
              (if (i32.eq (call $peek (local.get $p) (local.get $end)) (i32.const 44))
                (then
                  (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
                  (local.set $idx (i32.sub (local.get $idx) (i32.const 1)))
                  (br $element)))
              (return (i32.const -2)))))
        (return (i32.const -3)))
      (if (i32.eq (local.get $e) (local.get $send)) (then (return (local.get $p))))
      (local.set $s (i32.add (local.get $e) (i32.const 1)))
      (br $segment))
    (unreachable))

  ;; ---- the input ----

  ;; Reads the input into memory, once.
  (func $load_input
    (local $n i32)
    (local.set $n (call $input_len))
    (global.set $in (call $alloc (local.get $n)))
    (call $input_read (global.get $in))
    (global.set $in_end (i32.add (global.get $in) (local.get $n)))
    (if (i32.eqz (call $valid (global.get $in) (global.get $in_end)))
      (then (call $fail_c (i32.const 32)))))

  ;; Returns a fresh copy of the decoded string at $pos ($slen long).
  (func $decode (param $pos i32) (param $end i32) (result i32)
    (local $out i32)
    (drop (call $string (local.get $pos) (local.get $end) (i32.const 0)))
    (local.set $out (call $alloc (global.get $slen)))
    (drop (call $string (local.get $pos) (local.get $end) (local.get $out)))
    (local.get $out))

  ;; Returns the input string at the NUL-terminated dot path $path, decoded ($slen long):
  ;; -1 if there is nothing there (or null), -2 if it is not a string.
  (func $input_string (param $path i32) (result i32)
    (local $pos i32) (local $c i32)
    (local.set $pos
      (call $select (global.get $in) (global.get $in_end)
        (local.get $path) (i32.add (local.get $path) (call $strlen (local.get $path)))))
    (if (i32.lt_s (local.get $pos) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $c (i32.load8_u (local.get $pos)))
    (if (i32.eq (local.get $c) (i32.const 110)) (then (return (i32.const -1))))
    (if (i32.ne (local.get $c) (i32.const 34)) (then (return (i32.const -2))))
    (call $decode (local.get $pos) (global.get $in_end)))

  ;; Appends the selected value for an output: a string's literal as it is, any other value's
  ;; JSON text as a string literal.
  (func $sb_output_value (param $pos i32) (param $end i32)
    (local $stop i32)
    (local.set $stop (call $value (local.get $pos) (local.get $end) (i32.const 0)))
    (if (i32.eq (i32.load8_u (local.get $pos)) (i32.const 34))
      (then (call $sb_bytes (local.get $pos) (i32.sub (local.get $stop) (local.get $pos))))
      (else (call $sb_quoted (local.get $pos) (i32.sub (local.get $stop) (local.get $pos))))))

  ;; Fails with a message saying why path [$path, $path+$n) selected nothing ($why < 0 from
  ;; $select).
  (func $fail_select (param $why i32) (param $path i32) (param $n i32)
    (local $into i32)
    (local.set $into (i32.eq (local.get $why) (i32.const -3)))
    (call $sb_begin)
    (call $sb_c (select (i32.const 96) (i32.const 100) (local.get $into)))
    (call $sb_bytes (global.get $seg) (i32.sub (global.get $seg_end) (global.get $seg)))
    (call $sb_c (select (i32.const 128) (i32.const 116) (local.get $into)))
    (call $sb_bytes (local.get $path) (local.get $n))
    (call $sb_c (i32.const 200))
    (call $fail (global.get $sb) (global.get $sbn)))
  (data (i32.const 96) "\22\00")
  (data (i32.const 100) "no value at \22\00")
  (data (i32.const 116) "\22 (path \22\00")
  (data (i32.const 128) "\22 looks into a value that is neither an object nor an array (path \22\00")
  (data (i32.const 200) "\22)\00")
