//! Writes and reads [`VmError`]s, which a snapshot holds for fibers that failed and for a run
//! that ended fatally.

use super::codec::{Reader, Writer};
use crate::error::{Fault, Location, SnapshotError, SourcePos, VmError};
use w3_host_api::HostCallKind;
use w3_value::{ValueError, ValueKind};

const KINDS: [ValueKind; 6] =
    [ValueKind::Null, ValueKind::Boolean, ValueKind::Number, ValueKind::String, ValueKind::Array, ValueKind::Object];

fn value_error(w: &mut Writer, e: &ValueError) {
    match e {
        ValueError::InvalidFormatString(s) => {
            w.u8(0);
            w.str(s);
        }
        ValueError::FormatArgumentOutOfRange(s) => {
            w.u8(1);
            w.str(s);
        }
        ValueError::InvalidFormatSpecifiers { specifiers, kind } => {
            w.u8(2);
            w.str(specifiers);
            w.u8(KINDS.iter().position(|k| k == kind).unwrap_or(0) as u8);
        }
        ValueError::MemoryExceeded => w.u8(3),
        ValueError::InvalidJson(s) => {
            w.u8(4);
            w.str(s);
        }
        ValueError::ValueTooDeep => w.u8(5),
    }
}

fn read_value_error(r: &mut Reader<'_>) -> Result<ValueError, SnapshotError> {
    Ok(match r.u8("value error")? {
        0 => ValueError::InvalidFormatString(r.str("message")?.to_owned()),
        1 => ValueError::FormatArgumentOutOfRange(r.str("message")?.to_owned()),
        2 => {
            let specifiers = r.str("specifiers")?.to_owned();
            let kind = *KINDS.get(usize::from(r.u8("kind")?)).ok_or(r.invalid("kind"))?;
            ValueError::InvalidFormatSpecifiers { specifiers, kind }
        }
        3 => ValueError::MemoryExceeded,
        4 => ValueError::InvalidJson(r.str("message")?.to_owned()),
        5 => ValueError::ValueTooDeep,
        _ => return Err(r.invalid("value error")),
    })
}

fn fault(w: &mut Writer, f: &Fault) {
    match f {
        Fault::OutOfGas { limit } => {
            w.u8(0);
            w.u64(*limit);
        }
        Fault::Memory { limit } => {
            w.u8(1);
            w.u64(*limit);
        }
        Fault::Deadlock => w.u8(2),
        Fault::CallDepth { limit } => {
            w.u8(3);
            w.u32(*limit);
        }
        Fault::Stack { limit } => {
            w.u8(4);
            w.u32(*limit);
        }
        Fault::Fibers { limit } => {
            w.u8(5);
            w.u32(*limit);
        }
        Fault::ValueTooLarge { limit } => {
            w.u8(6);
            w.u32(*limit);
        }
        Fault::ValueTooDeep { limit } => {
            w.u8(7);
            w.u16(*limit);
        }
        Fault::Fail(s) => {
            w.u8(8);
            w.str(s);
        }
        Fault::Value(e) => {
            w.u8(9);
            value_error(w, e);
        }
        Fault::Matrix(s) => {
            w.u8(10);
            w.str(s);
        }
        Fault::BadRequest { kind, reason } => {
            w.u8(11);
            w.u8(HostCallKind::ALL.iter().position(|k| k.name() == *kind).unwrap_or(0) as u8);
            w.str(reason);
        }
        Fault::BadHandle(s) => {
            w.u8(12);
            w.str(s);
        }
        Fault::Step(s) => {
            w.u8(13);
            w.str(s);
        }
        Fault::Contexts { limit } => {
            w.u8(15);
            w.u32(*limit);
        }
        Fault::Internal(s) => {
            w.u8(14);
            w.str(s);
        }
    }
}

fn read_fault(r: &mut Reader<'_>) -> Result<Fault, SnapshotError> {
    let text = |r: &mut Reader<'_>| r.str("message").map(str::to_owned);
    Ok(match r.u8("fault")? {
        0 => Fault::OutOfGas { limit: r.u64("limit")? },
        1 => Fault::Memory { limit: r.u64("limit")? },
        2 => Fault::Deadlock,
        3 => Fault::CallDepth { limit: r.u32("limit")? },
        4 => Fault::Stack { limit: r.u32("limit")? },
        5 => Fault::Fibers { limit: r.u32("limit")? },
        6 => Fault::ValueTooLarge { limit: r.u32("limit")? },
        7 => Fault::ValueTooDeep { limit: r.u16("limit")? },
        8 => Fault::Fail(text(r)?),
        9 => Fault::Value(read_value_error(r)?),
        10 => Fault::Matrix(text(r)?),
        11 => {
            let kind = HostCallKind::from_u8(r.u8("kind")?).ok_or(r.invalid("kind"))?;
            Fault::BadRequest { kind: kind.name(), reason: text(r)? }
        }
        12 => Fault::BadHandle(text(r)?),
        13 => Fault::Step(text(r)?),
        14 => Fault::Internal(text(r)?),
        15 => Fault::Contexts { limit: r.u32("limit")? },
        _ => return Err(r.invalid("fault")),
    })
}

/// Writes `error`.
pub(crate) fn write(w: &mut Writer, error: &VmError) {
    fault(w, &error.fault);
    w.bool(error.at.is_some());
    let Some(at) = &error.at else { return };
    w.u32(at.function);
    w.str(&at.name);
    w.u32(at.offset);
    w.bool(at.source.is_some());
    if let Some(s) = &at.source {
        w.str(&s.file);
        [s.line, s.col, s.end_line, s.end_col].into_iter().for_each(|n| w.u32(n));
    }
}

/// Reads an error written by [`write`].
pub(crate) fn read(r: &mut Reader<'_>) -> Result<VmError, SnapshotError> {
    let fault = read_fault(r)?;
    if !r.bool("location")? {
        return Ok(VmError { fault, at: None });
    }
    let (function, name, offset) = (r.u32("function")?, r.str("name")?.to_owned(), r.u32("offset")?);
    let source = match r.bool("source")? {
        false => None,
        true => Some(SourcePos {
            file: r.str("file")?.to_owned(),
            line: r.u32("line")?,
            col: r.u32("col")?,
            end_line: r.u32("line")?,
            end_col: r.u32("col")?,
        }),
    };
    Ok(VmError { fault, at: Some(Location { function, name, offset, source }) })
}
