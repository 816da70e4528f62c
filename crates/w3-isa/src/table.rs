//! Lists every instruction of the ISA once; everything else about instructions is generated.
//!
//! `for_each_op!(m)` calls the macro `m` with the whole table. Each line gives the op's name,
//! opcode byte, typed operands, base gas, whether it also charges per byte (`bytes`), whether it
//! ends a basic block (`block`), whether control never falls through it (`term`), and its doc
//! line. The `Op` enum, `Opcode`, `OPS`, the encoder, the decoder, the operand visitor, the
//! verifier's kind checks, the default gas schedule and the disassembler all come from here;
//! `docs/isa.md` gives each op's full semantics.
//!
//! Adding an instruction: one line here (a fresh opcode byte: opcodes are never reused), its
//! relational checks in `verify.rs` if its operands constrain each other, its row in
//! `docs/isa.md`, and its semantics in the VM.

/// Calls `$m!` with the op table (see the module documentation of `w3_isa::table`).
#[macro_export]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            /// Does nothing.
            Nop = 0x00 {} gas 1, bytes false, block false, term false;
            /// Sets `dst` to null.
            LoadNull = 0x01 { dst: Reg } gas 1, bytes false, block false, term false;
            /// Sets `dst` to the boolean `value` (0 or 1).
            LoadBool = 0x02 { dst: Reg, value: Imm8 } gas 1, bytes false, block false, term false;
            /// Sets `dst` to constant `k`.
            LoadConst = 0x03 { dst: Reg, k: ConstId } gas 2, bytes false, block false, term false;
            /// Copies `src` into `dst`.
            Move = 0x04 { dst: Reg, src: Reg } gas 1, bytes false, block false, term false;
            /// Sets `dst` to the context (named value) `name`, such as `github`.
            LoadContext = 0x05 { dst: Reg, name: StrId } gas 4, bytes false, block false, term false;
            /// Sets `dst` to property `name` of `obj`, ignoring case.
            GetProp = 0x10 { dst: Reg, obj: Reg, name: StrId } gas 6, bytes false, block false, term false;
            /// Sets `dst` to `obj[key]`.
            Index = 0x11 { dst: Reg, obj: Reg, key: Reg } gas 8, bytes false, block false, term false;
            /// Sets `dst` to the filtered array `obj.*`.
            Filter = 0x12 { dst: Reg, obj: Reg } gas 8, bytes true, block false, term false;
            /// Sets `dst` to an array of `count` registers from `first`.
            MakeArray = 0x13 { dst: Reg, first: Reg, count: Imm16 } gas 8, bytes true, block false, term false;
            /// Sets `dst` to an object of `count` key/value register pairs from `first`.
            MakeObject = 0x14 { dst: Reg, first: Reg, count: Imm16 } gas 12, bytes true, block false, term false;
            /// Sets `dst` to whether `a` is falsy.
            Not = 0x20 { dst: Reg, a: Reg } gas 1, bytes false, block false, term false;
            /// Sets `dst` to whether `a` is truthy.
            Truthy = 0x21 { dst: Reg, a: Reg } gas 1, bytes false, block false, term false;
            /// Sets `dst` to `a == b` (GitHub's loose equality).
            Eq = 0x22 { dst: Reg, a: Reg, b: Reg } gas 3, bytes true, block false, term false;
            /// Sets `dst` to `a != b`.
            Ne = 0x23 { dst: Reg, a: Reg, b: Reg } gas 3, bytes true, block false, term false;
            /// Sets `dst` to `a < b`.
            Lt = 0x24 { dst: Reg, a: Reg, b: Reg } gas 3, bytes true, block false, term false;
            /// Sets `dst` to `a <= b`.
            Le = 0x25 { dst: Reg, a: Reg, b: Reg } gas 3, bytes true, block false, term false;
            /// Sets `dst` to `a > b`.
            Gt = 0x26 { dst: Reg, a: Reg, b: Reg } gas 3, bytes true, block false, term false;
            /// Sets `dst` to `a >= b`.
            Ge = 0x27 { dst: Reg, a: Reg, b: Reg } gas 3, bytes true, block false, term false;
            /// Sets `dst` to the kind number of `a` (0 null .. 5 object).
            TypeOf = 0x28 { dst: Reg, a: Reg } gas 1, bytes false, block false, term false;
            /// Sets `dst` to `src` converted to a string.
            ToStr = 0x29 { dst: Reg, src: Reg } gas 4, bytes true, block false, term false;
            /// Sets `dst` to the string conversions of `count` registers from `first`, joined.
            Concat = 0x2A { dst: Reg, first: Reg, count: Imm16 } gas 4, bytes true, block false, term false;
            /// Sets `dst` to built-in `builtin` applied to `argc` registers from `first`.
            CallBuiltin = 0x30 { dst: Reg, builtin: BuiltinId, first: Reg, argc: Imm8 } gas 16, bytes true, block false, term false;
            /// Calls `func` with `argc` registers from `first`; sets `dst` to its result.
            Call = 0x31 { dst: Reg, func: FuncId, first: Reg, argc: Imm8 } gas 20, bytes false, block true, term false;
            /// Calls `func` like `Call`, catching its runtime errors: `dst` gets the result, `dst+1` null or the error message.
            TryCall = 0x32 { dst: Reg, func: FuncId, first: Reg, argc: Imm8 } gas 24, bytes false, block true, term false;
            /// Continues at `target`.
            Jump = 0x40 { target: Target } gas 1, bytes false, block true, term true;
            /// Continues at `target` when `cond` is truthy.
            JumpIfTrue = 0x41 { cond: Reg, target: Target } gas 1, bytes false, block true, term false;
            /// Continues at `target` when `cond` is falsy.
            JumpIfFalse = 0x42 { cond: Reg, target: Target } gas 1, bytes false, block true, term false;
            /// Returns `src` to the caller.
            Return = 0x43 { src: Reg } gas 4, bytes false, block true, term true;
            /// Ends the fiber successfully with a null result.
            Halt = 0x44 {} gas 2, bytes false, block true, term true;
            /// Ends the fiber with the runtime error `msg`.
            Fail = 0x45 { msg: StrId } gas 4, bytes false, block true, term true;
            /// Sets `dst` to the status function `kind` (success, always, failure, cancelled).
            Status = 0x50 { dst: Reg, kind: StatusId } gas 2, bytes false, block false, term false;
            /// Enters the step whose id is string `step` (empty for a step without an id).
            StepBegin = 0x51 { step: StrId } gas 8, bytes false, block false, term false;
            /// Leaves the step whose id is `step`, recording its `outcome` and `conclusion`.
            StepEnd = 0x52 { step: StrId, outcome: Reg, conclusion: Reg } gas 8, bytes false, block false, term false;
            /// Sets output `name` of the open step (or of the job) to `value`.
            SetOutput = 0x53 { name: StrId, value: Reg } gas 6, bytes true, block false, term false;
            /// Sets `env.name` for the rest of the open step (or of the job) to `value`.
            SetEnv = 0x54 { name: StrId, value: Reg } gas 6, bytes true, block false, term false;
            /// Sets context `name` of the running fiber to `value` (e.g. `needs` once joined).
            SetContext = 0x55 { name: StrId, value: Reg } gas 6, bytes false, block false, term false;
            /// Sets every entry of object `src` as an output of the open step (or of the job).
            MergeOutputs = 0x56 { src: Reg } gas 6, bytes true, block false, term false;
            /// Sets `env.<key>` for every entry of object `src`, as `SetEnv` does.
            MergeEnv = 0x57 { src: Reg } gas 6, bytes true, block false, term false;
            /// Sets every entry of object `src` into the object context `name` of the running fiber.
            MergeContext = 0x58 { name: StrId, src: Reg } gas 6, bytes true, block false, term false;
            /// Asks the host for `kind` with request `arg`, suspending the fiber; `dst` gets the answer.
            HostCall = 0x60 { dst: Reg, kind: HostId, arg: Reg } gas 50, bytes false, block true, term false;
            /// Starts a fiber running `func` with `arg`; sets `dst` to its handle.
            Spawn = 0x61 { dst: Reg, func: FuncId, arg: Reg } gas 50, bytes false, block false, term false;
            /// Waits for the fiber `fiber` to end; sets `dst` to its result and status.
            Join = 0x62 { dst: Reg, fiber: Reg } gas 10, bytes false, block true, term false;
        }
    };
}
