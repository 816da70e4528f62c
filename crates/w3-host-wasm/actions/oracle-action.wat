;; w3/oracle-action@v1: fetches a JSON document over HTTP and selects a value from it.
;;
;; Inputs (`with:`): `url`, the document's URL (default: the step's environment variable
;; `W3_ORACLE_URL`); `path`, a dot path into the document (default `price`).
;; Outputs: `value`, the selected value (a string as it is, anything else as JSON text);
;; `status`, the HTTP status code. A status outside 200..299 fails the step.
;; The GET goes through `host_call`, so the workflow must allow the URL's host.
(module
  (import "w3" "input_len" (func $input_len (result i32)))
  (import "w3" "input_read" (func $input_read (param i32)))
  (import "w3" "output_write" (func $output_write (param i32 i32)))
  (import "w3" "host_call" (func $host_call (param i32 i32) (result i32)))
  (import "w3" "response_len" (func $response_len (result i32)))
  (import "w3" "response_read" (func $response_read (param i32)))
  (import "w3" "fail" (func $fail (param i32 i32)))
  (memory (export "memory") 1)

  ;; #include "json.wat"

  (data (i32.const 256) "with.url\00")
  (data (i32.const 272) "env.W3_ORACLE_URL\00")
  (data (i32.const 296) "with.path\00")
  (data (i32.const 312) "price\00")
  (data (i32.const 320) "input `url` must be a string\00")
  (data (i32.const 352) "input `path` must be a string\00")
  (data (i32.const 384) "no URL: set the input `url` or the environment variable W3_ORACLE_URL\00")
  (data (i32.const 464) "{\22http\22:{\22method\22:\22GET\22,\22url\22:\00")
  (data (i32.const 496) ",\22headers\22:{\22accept\22:\22application/json\22}}}\00")
  (data (i32.const 544) "GET \00")
  (data (i32.const 560) " failed: \00")
  (data (i32.const 576) " answered HTTP status \00")
  (data (i32.const 608) "the response of GET \00")
  (data (i32.const 640) " is not valid JSON\00")
  (data (i32.const 672) "status\00")
  (data (i32.const 688) "body\00")
  (data (i32.const 704) "error\00")
  (data (i32.const 720) ",\22status\22:\22\00")
  (data (i32.const 736) "\22}\00")
  (data (i32.const 768) "{\22value\22:\00")

  ;; Returns where the member named by the NUL-terminated $key starts in the response.
  (func $member (param $p i32) (param $end i32) (param $key i32) (result i32)
    (call $select (local.get $p) (local.get $end)
      (local.get $key) (i32.add (local.get $key) (call $strlen (local.get $key)))))

  (func (export "run") (result i32)
    (local $url i32) (local $url_n i32) (local $path i32) (local $path_n i32)
    (local $code i32) (local $n i32) (local $resp i32) (local $resp_end i32)
    (local $at i32) (local $status i32) (local $status_at i32) (local $status_end i32)
    (local $body i32) (local $body_end i32)
    (call $load_input)

    (local.set $url (call $input_string (i32.const 256)))
    (if (i32.eq (local.get $url) (i32.const -2)) (then (call $fail_c (i32.const 320))))
    (if (i32.lt_s (local.get $url) (i32.const 0))
      (then (local.set $url (call $input_string (i32.const 272)))))
    (if (i32.lt_s (local.get $url) (i32.const 0)) (then (call $fail_c (i32.const 384))))
    (local.set $url_n (global.get $slen))

    (local.set $path (call $input_string (i32.const 296)))
    (if (i32.eq (local.get $path) (i32.const -2)) (then (call $fail_c (i32.const 352))))
    (if (i32.lt_s (local.get $path) (i32.const 0))
      (then (local.set $path (i32.const 312)) (local.set $path_n (i32.const 5)))
      (else (local.set $path_n (global.get $slen))))

    ;; The request.
    (call $sb_begin)
    (call $sb_c (i32.const 464))
    (call $sb_quoted (local.get $url) (local.get $url_n))
    (call $sb_c (i32.const 496))
    (local.set $code (call $host_call (call $sb_end) (global.get $sbn)))

    ;; The response, or why there is none.
    (local.set $n (call $response_len))
    (local.set $resp (call $alloc (local.get $n)))
    (call $response_read (local.get $resp))
    (local.set $resp_end (i32.add (local.get $resp) (local.get $n)))
    (if (i32.lt_s (local.get $code) (i32.const 0))
      (then
        (local.set $at (call $member (local.get $resp) (local.get $resp_end) (i32.const 704)))
        (call $sb_begin)
        (call $sb_c (i32.const 544))
        (call $sb_bytes (local.get $url) (local.get $url_n))
        (call $sb_c (i32.const 560))
        (if (i32.lt_s (local.get $at) (i32.const 0))
          (then (call $sb_bytes (local.get $resp) (local.get $n)))
          (else
            ;; The decoded message is read into the builder's own bytes: copy it after them.
            (drop (call $string (local.get $at) (local.get $resp_end) (i32.const 0)))
            (call $reserve (i32.add (i32.add (global.get $sb) (global.get $sbn)) (global.get $slen)))
            (drop (call $string (local.get $at) (local.get $resp_end)
              (i32.add (global.get $sb) (global.get $sbn))))
            (global.set $sbn (i32.add (global.get $sbn) (global.get $slen)))))
        (call $fail (global.get $sb) (global.get $sbn))))

    ;; The status must be 2xx.
    (local.set $status_at (call $member (local.get $resp) (local.get $resp_end) (i32.const 672)))
    (if (i32.lt_s (local.get $status_at) (i32.const 0)) (then (call $fail_c (i32.const 32))))
    (local.set $status_end (call $digits (local.get $status_at) (local.get $resp_end)))
    (local.set $at (local.get $status_at))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $status_end)))
        (local.set $status
          (i32.add (i32.mul (local.get $status) (i32.const 10))
            (i32.sub (i32.load8_u (local.get $at)) (i32.const 48))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
    (if (i32.or (i32.lt_u (local.get $status) (i32.const 200)) (i32.gt_u (local.get $status) (i32.const 299)))
      (then
        (call $sb_begin)
        (call $sb_c (i32.const 544))
        (call $sb_bytes (local.get $url) (local.get $url_n))
        (call $sb_c (i32.const 576))
        (call $sb_bytes (local.get $status_at) (i32.sub (local.get $status_end) (local.get $status_at)))
        (call $fail (global.get $sb) (global.get $sbn))))

    ;; The body must be JSON; select from it.
    (local.set $at (call $member (local.get $resp) (local.get $resp_end) (i32.const 688)))
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then (call $fail_c (i32.const 32))))
    (local.set $body (call $decode (local.get $at) (local.get $resp_end)))
    (local.set $body_end (i32.add (local.get $body) (global.get $slen)))
    (if (i32.eqz (call $valid (local.get $body) (local.get $body_end)))
      (then
        (call $sb_begin)
        (call $sb_c (i32.const 608))
        (call $sb_bytes (local.get $url) (local.get $url_n))
        (call $sb_c (i32.const 640))
        (call $fail (global.get $sb) (global.get $sbn))))
    (local.set $at
      (call $select (local.get $body) (local.get $body_end)
        (local.get $path) (i32.add (local.get $path) (local.get $path_n))))
    (if (i32.lt_s (local.get $at) (i32.const 0))
      (then (call $fail_select (local.get $at) (local.get $path) (local.get $path_n))))

    (call $sb_begin)
    (call $sb_c (i32.const 768))
    (call $sb_output_value (local.get $at) (local.get $body_end))
    (call $sb_c (i32.const 720))
    (call $sb_bytes (local.get $status_at) (i32.sub (local.get $status_end) (local.get $status_at)))
    (call $sb_c (i32.const 736))
    (call $output_write (call $sb_end) (global.get $sbn))
    (i32.const 0))
)
