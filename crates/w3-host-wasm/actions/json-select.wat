;; w3/json-select@v1: selects a value from a JSON text by a dot path.
;;
;; Inputs (`with:`): `json`, a JSON text; `path`, a dot path such as `data.price` or
;; `prices.0.usd` (empty or absent: the whole value).
;; Output: `value`, the selected value: a string as it is, anything else as JSON text.
(module
  (import "w3" "input_len" (func $input_len (result i32)))
  (import "w3" "input_read" (func $input_read (param i32)))
  (import "w3" "output_write" (func $output_write (param i32 i32)))
  (import "w3" "fail" (func $fail (param i32 i32)))
  (memory (export "memory") 1)

  ;; #include "json.wat"

  (data (i32.const 256) "with.json\00")
  (data (i32.const 272) "with.path\00")
  (data (i32.const 288) "input `json` is required (a JSON text)\00")
  (data (i32.const 336) "input `path` must be a string\00")
  (data (i32.const 368) "input `json` is not valid JSON (or is nested deeper than 127 levels)\00")
  (data (i32.const 448) "{\22value\22:\00")

  (func (export "run") (result i32)
    (local $json i32) (local $json_end i32) (local $path i32) (local $path_n i32) (local $at i32)
    (call $load_input)
    (local.set $json (call $input_string (i32.const 256)))
    (if (i32.lt_s (local.get $json) (i32.const 0)) (then (call $fail_c (i32.const 288))))
    (local.set $json_end (i32.add (local.get $json) (global.get $slen)))
    (local.set $path (call $input_string (i32.const 272)))
    (if (i32.eq (local.get $path) (i32.const -2)) (then (call $fail_c (i32.const 336))))
    (if (i32.lt_s (local.get $path) (i32.const 0))
      (then (local.set $path (i32.const 0)) (local.set $path_n (i32.const 0)))
      (else (local.set $path_n (global.get $slen))))
    (if (i32.eqz (call $valid (local.get $json) (local.get $json_end)))
      (then (call $fail_c (i32.const 368))))
    (local.set $at
      (call $select (local.get $json) (local.get $json_end)
        (local.get $path) (i32.add (local.get $path) (local.get $path_n))))
    (if (i32.lt_s (local.get $at) (i32.const 0))
      (then (call $fail_select (local.get $at) (local.get $path) (local.get $path_n))))
    (call $sb_begin)
    (call $sb_c (i32.const 448))
    (call $sb_output_value (local.get $at) (local.get $json_end))
    (call $sb_byte (i32.const 125))
    (call $output_write (call $sb_end) (global.get $sbn))
    (i32.const 0))
)
