//! Prints modules as readable listings (`docs/isa.md` §10), with source lines when given.
//!
//! The listing is deterministic: it is the format of the golden files and of `w3 disasm`.

use crate::builtin::{Builtin, HostKind, StatusKind};
use crate::module::{Constant, Function, Module, Number, FORMAT_VERSION};
use crate::op::Op;
use crate::operand::{Operand, StrId};
use crate::verify::{verify, VerifiedFunction};
use std::fmt::Write;

/// Names a source file and its text, for interleaving source lines with the listing.
pub type Source<'a> = (&'a str, &'a str);

/// Returns the listing of `module`, with lines of `sources` interleaved where the debug map
/// points into them. Modules that fail verification are listed too, without blocks.
pub fn disassemble(module: &Module, sources: &[Source<'_>]) -> String {
    let mut out = String::new();
    let verified = verify(module);
    header(&mut out, module);
    if let Err(e) = &verified {
        let _ = writeln!(out, "; verification failed: {e}");
    }
    tables(&mut out, module);
    for (index, function) in module.functions.iter().enumerate() {
        let blocks = verified.as_ref().ok().and_then(|v| v.functions().get(index));
        let mut printer = Printer { out: &mut out, module, sources, last_line: None };
        printer.function(index, function, blocks);
    }
    out
}

fn header(out: &mut String, module: &Module) {
    let h = &module.header;
    let _ = writeln!(
        out,
        "; w3 module: format {FORMAT_VERSION}, isa {}, gas {}, compiler {:?}",
        h.isa_version, h.gas_version, h.compiler
    );
    let hash: String = module.content_hash().iter().map(|b| format!("{b:02x}")).collect();
    let _ = writeln!(out, "; content hash: blake3:{hash}");
}

fn tables(out: &mut String, module: &Module) {
    let _ = writeln!(out, "\n.strings {}", module.strings.len());
    for (i, s) in module.strings.iter().enumerate() {
        let _ = writeln!(out, "  s{i:<4} {s:?}");
    }
    let _ = writeln!(out, "\n.constants {}", module.constants.len());
    for (i, c) in module.constants.iter().enumerate() {
        let _ = writeln!(out, "  k{i:<4} {}", constant_text(module, c));
    }
    let _ = writeln!(out, "\n.manifest {} bytes", module.manifest.len());
}

/// Returns a constant as written in listings: scalars as values, collections by reference.
fn constant_text(module: &Module, c: &Constant) -> String {
    match c {
        Constant::Null => "null".into(),
        Constant::Bool(b) => b.to_string(),
        Constant::Number(n) => number_text(*n),
        Constant::String(s) => string_text(module, *s),
        Constant::Array(items) => {
            let items: Vec<String> = items.iter().map(|k| k.to_string()).collect();
            format!("[{}]", items.join(", "))
        }
        Constant::Object(entries) => {
            let entries: Vec<String> =
                entries.iter().map(|(key, k)| format!("{}: {k}", string_text(module, *key))).collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

fn number_text(n: Number) -> String {
    let v = n.to_f64();
    match v {
        _ if v.is_nan() => "NaN".into(),
        f64::INFINITY => "Infinity".into(),
        f64::NEG_INFINITY => "-Infinity".into(),
        _ => format!("{v:?}"),
    }
}

fn string_text(module: &Module, s: StrId) -> String {
    module.string(s).map_or_else(|| format!("<bad {s}>"), |t| format!("{t:?}"))
}

struct Printer<'a, 'o> {
    out: &'o mut String,
    module: &'a Module,
    sources: &'a [Source<'a>],
    last_line: Option<(StrId, u32)>,
}

impl Printer<'_, '_> {
    fn function(&mut self, index: usize, f: &Function, verified: Option<&VerifiedFunction>) {
        let _ = writeln!(
            self.out,
            "\nfn f{index} {} ({}) params={} registers={}",
            string_text(self.module, f.name),
            f.kind.name(),
            f.params,
            f.registers
        );
        let mut at = 0usize;
        while at < f.code.len() {
            let offset = u32::try_from(at).unwrap_or(u32::MAX);
            self.source_line(f, offset);
            if let Some(block) = verified.and_then(|v| v.block_at(offset).and_then(|b| v.blocks().get(b))) {
                let _ = writeln!(self.out, "  .block @{:04x} gas={}", block.start, block.gas);
            }
            match Op::decode(f.code.get(at..).unwrap_or_default()) {
                Ok((op, len)) => {
                    self.instruction(offset, &op);
                    at += len;
                }
                Err(e) => {
                    let rest: Vec<String> = f.code.iter().skip(at).take(16).map(|b| format!("{b:02x}")).collect();
                    let _ = writeln!(self.out, "  {offset:04x}  .bytes {}  ; {e}", rest.join(" "));
                    break;
                }
            }
        }
    }

    fn source_line(&mut self, f: &Function, offset: u32) {
        let Ok(i) = f.debug.binary_search_by_key(&offset, |e| e.offset) else {
            return;
        };
        let Some(span) = f.debug.get(i).map(|e| e.span) else {
            return;
        };
        if self.last_line == Some((span.file, span.line)) {
            return;
        }
        self.last_line = Some((span.file, span.line));
        let file = self.module.string(span.file).unwrap_or("?");
        let text = self
            .sources
            .iter()
            .find(|(name, _)| *name == file)
            .and_then(|(_, text)| text.lines().nth(usize::try_from(span.line).ok()?.checked_sub(1)?));
        match text {
            Some(text) => {
                let _ = writeln!(self.out, "  ; {file}:{} | {}", span.line, text.trim_end());
            }
            None => {
                let _ = writeln!(self.out, "  ; {file}:{}:{}", span.line, span.col);
            }
        }
    }

    fn instruction(&mut self, offset: u32, op: &Op) {
        let operands: Vec<String> = op.operands().iter().map(operand_text).collect();
        let comments: Vec<String> = op.operands().iter().filter_map(|o| self.comment(o)).collect();
        let mut line = format!("  {offset:04x}  {:<12} {}", op.name(), operands.join(", "));
        if !comments.is_empty() {
            let width = line.len().max(40);
            let _ = write!(line, "{:pad$}; {}", "", comments.join(", "), pad = width - line.len() + 1);
        }
        let _ = writeln!(self.out, "{}", line.trim_end());
    }

    fn comment(&self, operand: Operand) -> Option<String> {
        let m = self.module;
        match operand {
            Operand::StrId(s) => Some(string_text(m, s)),
            Operand::ConstId(k) => Some(m.constant(k).map_or_else(|| "<bad constant>".into(), |c| constant_text(m, c))),
            Operand::FuncId(f) => {
                Some(m.functions.get(f.0 as usize).map_or_else(|| "<bad function>".into(), |f| string_text(m, f.name)))
            }
            _ => None,
        }
    }
}

fn operand_text(operand: Operand) -> String {
    match operand {
        Operand::Target(t) => format!("@{:04x}", t.0),
        Operand::BuiltinId(b) => Builtin::from_id(b).map_or_else(|| b.to_string(), |b| b.name().to_owned()),
        Operand::HostId(h) => HostKind::from_id(h).map_or_else(|| h.to_string(), |h| h.name().to_owned()),
        Operand::StatusId(s) => StatusKind::from_id(s).map_or_else(|| s.to_string(), |s| s.name().to_owned()),
        other => other.to_string(),
    }
}
