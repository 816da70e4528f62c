//! Encodes and decodes modules in the canonical little-endian format of `docs/isa.md` §8.
//!
//! Decoding checks every length and count against the remaining input before allocating, so a
//! hostile length field cannot make it allocate more than a constant factor of the input, and it
//! rejects every non-canonical form, so `encode(decode(b)) == b` for each accepted `b`.

use crate::error::{DecodeError, DecodeErrorKind as E};
use crate::gas::GasSchedule;
use crate::module::{
    Constant, DebugEntry, Function, FunctionKind, Header, Module, Number, SourceSpan, FORMAT_VERSION, ISA_VERSION,
    MAGIC,
};
use crate::operand::{ConstId, StrId};

const TAG_NULL: u8 = 0;
const TAG_BOOL: u8 = 1;
const TAG_NUMBER: u8 = 2;
const TAG_STRING: u8 = 3;
const TAG_ARRAY: u8 = 4;
const TAG_OBJECT: u8 = 5;

/// Bytes of one encoded debug entry.
const DEBUG_ENTRY_LEN: usize = 24;

/// Returns the canonical encoding of `module`.
pub(crate) fn encode(module: &Module) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.0.extend_from_slice(&MAGIC);
    w.u16(FORMAT_VERSION);
    w.u16(module.header.isa_version);
    w.u16(module.header.gas_version);
    w.bytes(module.header.compiler.as_bytes());
    w.count(module.strings.len());
    for s in &module.strings {
        w.bytes(s.as_bytes());
    }
    w.count(module.constants.len());
    for c in &module.constants {
        write_constant(&mut w, c);
    }
    w.count(module.functions.len());
    for f in &module.functions {
        write_function(&mut w, f);
    }
    w.bytes(&module.manifest);
    w.0
}

fn write_constant(w: &mut Writer, c: &Constant) {
    match c {
        Constant::Null => w.u8(TAG_NULL),
        Constant::Bool(b) => {
            w.u8(TAG_BOOL);
            w.u8(u8::from(*b));
        }
        Constant::Number(n) => {
            w.u8(TAG_NUMBER);
            w.u64(n.bits());
        }
        Constant::String(s) => {
            w.u8(TAG_STRING);
            w.u32(s.0);
        }
        Constant::Array(items) => {
            w.u8(TAG_ARRAY);
            w.count(items.len());
            items.iter().for_each(|k| w.u32(k.0));
        }
        Constant::Object(entries) => {
            w.u8(TAG_OBJECT);
            w.count(entries.len());
            for (key, k) in entries {
                w.u32(key.0);
                w.u32(k.0);
            }
        }
    }
}

fn write_function(w: &mut Writer, f: &Function) {
    w.u32(f.name.0);
    w.u8(f.kind as u8);
    w.u16(f.params);
    w.u16(f.registers);
    w.bytes(&f.code);
    w.count(f.debug.len());
    for e in &f.debug {
        let s = e.span;
        for v in [e.offset, s.file.0, s.line, s.col, s.end_line, s.end_col] {
            w.u32(v);
        }
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes a count; in-memory tables beyond `u32::MAX` entries cannot be encoded and are
    /// truncated to a count the decoder will reject, rather than panicking.
    fn count(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn bytes(&mut self, b: &[u8]) {
        self.count(b.len());
        self.0.extend_from_slice(b);
    }
}

/// Decodes a module, rejecting every non-canonical or malformed input.
pub(crate) fn decode(bytes: &[u8]) -> Result<Module, DecodeError> {
    let mut r = Reader { bytes, at: 0 };
    let header = read_header(&mut r)?;
    let n = r.count("string table", 4)?;
    let mut strings = Vec::with_capacity(n);
    for _ in 0..n {
        strings.push(r.string("string")?);
    }
    let n = r.count("constant pool", 1)?;
    let mut constants = Vec::with_capacity(n);
    for _ in 0..n {
        constants.push(read_constant(&mut r)?);
    }
    let n = r.count("function table", 17)?;
    let mut functions = Vec::with_capacity(n);
    for _ in 0..n {
        functions.push(read_function(&mut r)?);
    }
    let manifest = r.byte_vec("manifest")?;
    let rest = bytes.len() - r.at.min(bytes.len());
    if rest != 0 {
        return Err(r.error(E::TrailingBytes(rest)));
    }
    Ok(Module { header, strings, constants, functions, manifest })
}

fn read_header(r: &mut Reader) -> Result<Header, DecodeError> {
    if r.take(4, "magic")? != MAGIC {
        return Err(DecodeError { offset: 0, kind: E::BadMagic });
    }
    let format = r.u16("format version")?;
    if format != FORMAT_VERSION {
        return Err(r.error(E::UnsupportedFormat(format)));
    }
    let isa_version = r.u16("ISA version")?;
    if isa_version != ISA_VERSION {
        return Err(r.error(E::UnsupportedIsa(isa_version)));
    }
    let gas_version = r.u16("gas schedule version")?;
    if GasSchedule::for_version(gas_version).is_none() {
        return Err(r.error(E::UnsupportedGasSchedule(gas_version)));
    }
    let compiler = r.string("compiler version")?;
    Ok(Header { isa_version, gas_version, compiler })
}

fn read_constant(r: &mut Reader) -> Result<Constant, DecodeError> {
    let tag = r.u8("constant tag")?;
    Ok(match tag {
        TAG_NULL => Constant::Null,
        TAG_BOOL => match r.u8("bool")? {
            0 => Constant::Bool(false),
            1 => Constant::Bool(true),
            other => return Err(r.error(E::InvalidTag { what: "bool", tag: other })),
        },
        TAG_NUMBER => {
            let bits = r.u64("number")?;
            Constant::Number(Number::from_bits(bits).ok_or_else(|| r.error(E::NonCanonicalNan(bits)))?)
        }
        TAG_STRING => Constant::String(StrId(r.u32("string index")?)),
        TAG_ARRAY => {
            let n = r.count("array constant", 4)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(ConstId(r.u32("array item")?));
            }
            Constant::Array(items)
        }
        TAG_OBJECT => {
            let n = r.count("object constant", 8)?;
            let mut entries = Vec::with_capacity(n);
            for _ in 0..n {
                entries.push((StrId(r.u32("object key")?), ConstId(r.u32("object value")?)));
            }
            Constant::Object(entries)
        }
        other => return Err(r.error(E::InvalidTag { what: "constant", tag: other })),
    })
}

fn read_function(r: &mut Reader) -> Result<Function, DecodeError> {
    let name = StrId(r.u32("function name")?);
    let tag = r.u8("function kind")?;
    let kind = FunctionKind::from_tag(tag).ok_or_else(|| r.error(E::InvalidTag { what: "function kind", tag }))?;
    let params = r.u16("parameter count")?;
    let registers = r.u16("register count")?;
    let code = r.byte_vec("code")?;
    let n = r.count("debug map", DEBUG_ENTRY_LEN)?;
    let mut debug: Vec<DebugEntry> = Vec::with_capacity(n);
    for _ in 0..n {
        let start = r.at;
        let offset = r.u32("debug offset")?;
        if debug.last().is_some_and(|prev| prev.offset >= offset) {
            return Err(DecodeError { offset: start, kind: E::UnsortedDebugMap });
        }
        let file = StrId(r.u32("debug file")?);
        let [line, col, end_line, end_col] = [r.u32("line")?, r.u32("col")?, r.u32("end line")?, r.u32("end col")?];
        debug.push(DebugEntry { offset, span: SourceSpan { file, line, col, end_line, end_col } });
    }
    Ok(Function { name, kind, params, registers, code, debug })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, kind: E) -> DecodeError {
        DecodeError { offset: self.at, kind }
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(n).ok_or_else(|| self.error(E::UnexpectedEnd(what)))?;
        let slice = self.bytes.get(self.at..end).ok_or_else(|| self.error(E::UnexpectedEnd(what)))?;
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.array(what).map(u16::from_le_bytes)
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.array(what).map(u32::from_le_bytes)
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        self.array(what).map(u64::from_le_bytes)
    }

    /// Reads a count of items each at least `min_item` bytes long, refusing counts that the
    /// remaining input cannot hold (so callers may allocate `count` items).
    fn count(&mut self, what: &'static str, min_item: usize) -> Result<usize, DecodeError> {
        let count = self.u32(what)?;
        let n = usize::try_from(count).unwrap_or(usize::MAX);
        if n.saturating_mul(min_item) > self.remaining() {
            return Err(self.error(E::TooLong { what, count: u64::from(count), remaining: self.remaining() }));
        }
        Ok(n)
    }

    fn byte_vec(&mut self, what: &'static str) -> Result<Vec<u8>, DecodeError> {
        let n = self.count(what, 1)?;
        Ok(self.take(n, what)?.to_vec())
    }

    fn string(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let start = self.at;
        let bytes = self.byte_vec(what)?;
        String::from_utf8(bytes).map_err(|_| DecodeError { offset: start, kind: E::InvalidUtf8(what) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Module {
        Module {
            header: Header::current("test 1.0"),
            strings: vec!["github".into(), "é".into()],
            constants: vec![
                Constant::Null,
                Constant::Bool(true),
                Constant::Number(Number::from_f64(f64::NAN)),
                Constant::String(StrId(1)),
                Constant::Array(vec![ConstId(0), ConstId(1)]),
                Constant::Object(vec![(StrId(0), ConstId(4))]),
            ],
            functions: vec![Function {
                name: StrId(0),
                kind: FunctionKind::Job,
                params: 1,
                registers: 3,
                code: vec![0x44],
                debug: vec![DebugEntry {
                    offset: 0,
                    span: SourceSpan { file: StrId(0), line: 1, col: 2, end_line: 1, end_col: 9 },
                }],
            }],
            manifest: b"{}".to_vec(),
        }
    }

    #[test]
    fn round_trips() {
        let m = sample();
        let bytes = m.encode();
        assert_eq!(&bytes[..4], b"W3MD");
        assert_eq!(decode(&bytes).unwrap(), m);
        assert_eq!(m.content_hash(), decode(&bytes).unwrap().content_hash());
    }

    #[test]
    fn rejects_trailing_and_truncated_input() {
        let mut bytes = sample().encode();
        bytes.push(0);
        assert_eq!(decode(&bytes).unwrap_err().kind, E::TrailingBytes(1));
        bytes.pop();
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "prefix of {cut} bytes accepted");
        }
    }

    #[test]
    fn rejects_bad_header_fields() {
        let bytes = sample().encode();
        let with = |at: usize, b: u8| {
            let mut v = bytes.clone();
            v[at] = b;
            decode(&v).unwrap_err().kind
        };
        assert_eq!(with(0, b'X'), E::BadMagic);
        assert_eq!(with(4, 9), E::UnsupportedFormat(9));
        assert_eq!(with(6, 9), E::UnsupportedIsa(9));
        assert_eq!(with(8, 9), E::UnsupportedGasSchedule(9));
    }

    #[test]
    fn rejects_huge_counts_without_allocating() {
        let mut bytes = sample().encode();
        // The string table's count follows the header: magic, 3 versions, compiler string.
        let at = 4 + 6 + 4 + "test 1.0".len();
        bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode(&bytes).unwrap_err().kind, E::TooLong { .. }));
    }

    #[test]
    fn rejects_non_canonical_values() {
        let mut m = sample();
        m.constants = vec![Constant::Bool(true)];
        let mut bytes = m.encode();
        let pos = bytes.windows(2).position(|w| w == [TAG_BOOL, 1]).unwrap();
        bytes[pos + 1] = 2;
        assert!(matches!(decode(&bytes).unwrap_err().kind, E::InvalidTag { what: "bool", .. }));
    }
}
