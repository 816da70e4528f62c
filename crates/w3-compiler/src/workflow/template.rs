//! Strings with `${{ }}` placeholders, and `if:` conditions, as instructions.

use super::Gen;
use crate::error::CompileError;
use crate::expr::{lower, Lowering, StatusMode};
use w3_dsl::ast::{ExprOr, Str};
use w3_dsl::expr::{split_template, Expression, Segment};
use w3_dsl::Pos;
use w3_isa::{FunctionBuilder, Imm16, Op, Reg};

impl Gen<'_> {
    /// Parses the expression `source` written at `offset` in `s` and lowers it into `dst`.
    fn expression(
        &mut self,
        f: &mut FunctionBuilder,
        s: &Str,
        source: &str,
        offset: usize,
        dst: Reg,
        status: &StatusMode,
    ) -> Result<(), CompileError> {
        let at = s.pos_in_value(offset);
        let parsed = Expression::parse(source, &self.options).map_err(|e| CompileError::at(at, e.to_string()))?;
        match parsed.root() {
            Some(root) => {
                let mut l = Lowering {
                    module: &mut self.m,
                    f,
                    file: self.file,
                    line: at.line,
                    col: at.col,
                    status: status.clone(),
                };
                lower(&mut l, root, dst)
            }
            None => {
                f.emit(Op::LoadNull { dst });
                Ok(())
            }
        }
    }

    /// Lowers a string value into `dst`: a constant, the value of its one `${{ }}` (keeping the
    /// value's type, as GitHub does for a whole-value expression), or the concatenation of its
    /// text and the string forms of its expressions.
    pub fn template(&mut self, f: &mut FunctionBuilder, s: &Str, dst: Reg) -> Result<(), CompileError> {
        if !s.has_expr() {
            let k = self.m.string_constant(&s.value);
            f.emit(Op::LoadConst { dst, k });
            return Ok(());
        }
        let segments =
            split_template(&s.value).map_err(|e| CompileError::at(s.pos_in_value(e.span.start), e.to_string()))?;
        if let [Segment::Expression { source, offset, .. }] = segments.as_slice() {
            return self.expression(f, s, source, *offset, dst, &StatusMode::Step);
        }
        let count = u16::try_from(segments.len()).map_err(|_| CompileError::TooLarge("a template"))?;
        let mark = f.mark();
        let first = f.regs(count);
        for (i, seg) in segments.iter().enumerate() {
            let r = Reg(first.0 + i as u16);
            match seg {
                Segment::Literal { text, .. } => {
                    self.load_text(f, r, text);
                }
                Segment::Expression { source, offset, .. } => {
                    self.expression(f, s, source, *offset, r, &StatusMode::Step)?
                }
            }
        }
        f.emit(Op::Concat { dst, first, count: Imm16(count) });
        f.release(mark);
        Ok(())
    }

    /// Lowers an `if:` into `dst` with GitHub's rules: the text is an expression even without
    /// `${{ }}`; text around a `${{ }}` makes it a (truthy) string; and without a status function
    /// it means `success() && (condition)`.
    pub fn condition(
        &mut self,
        f: &mut FunctionBuilder,
        cond: Option<&Str>,
        at: Pos,
        status: &StatusMode,
        dst: Reg,
    ) -> Result<(), CompileError> {
        let Some(cond) = cond else { return self.implicit_success(f, at, status, dst) };
        let (source, offset) = if cond.has_expr() {
            let segments = split_template(&cond.value)
                .map_err(|e| CompileError::at(cond.pos_in_value(e.span.start), e.to_string()))?;
            match segments.as_slice() {
                [Segment::Expression { source, offset, .. }] => (source.clone(), *offset),
                _ => return self.template(f, cond, dst),
            }
        } else {
            (cond.value.clone(), 0)
        };
        let parsed = Expression::parse(&source, &self.options)
            .map_err(|e| CompileError::at(cond.pos_in_value(offset), e.to_string()))?;
        let has_status = parsed
            .root()
            .is_some_and(|r| ["success", "failure", "always", "cancelled"].iter().any(|name| r.calls_function(name)));
        if has_status {
            return self.expression(f, cond, &source, offset, dst, status);
        }
        let end = f.label();
        self.implicit_success(f, cond.pos, status, dst)?;
        f.jump_if_false(dst, end);
        self.expression(f, cond, &source, offset, dst, status)?;
        f.bind(end);
        Ok(())
    }

    /// Lowers the `success()` GitHub adds to a condition, pointing the debug map at `at`.
    fn implicit_success(
        &mut self,
        f: &mut FunctionBuilder,
        at: Pos,
        status: &StatusMode,
        dst: Reg,
    ) -> Result<(), CompileError> {
        let span = w3_dsl::Span::point(at);
        let s = Str { value: "success()".into(), pos: at, span, style: w3_dsl::yaml::Style::Plain };
        self.expression(f, &s, "success()", 0, dst, status)
    }

    /// Points the debug map at `pos` for the instructions that follow.
    pub fn span(&mut self, f: &mut FunctionBuilder, pos: Pos) {
        f.set_span(w3_isa::SourceSpan {
            file: self.file,
            line: pos.line,
            col: pos.col,
            end_line: pos.line,
            end_col: pos.col,
        });
    }

    /// Lowers a literal-or-expression value into `dst`.
    pub fn expr_or<T: Copy + Into<f64>>(
        &mut self,
        f: &mut FunctionBuilder,
        v: &ExprOr<T>,
        dst: Reg,
    ) -> Result<(), CompileError> {
        match v {
            ExprOr::Lit { value, .. } => {
                let k = self.m.number((*value).into());
                f.emit(Op::LoadConst { dst, k });
                Ok(())
            }
            ExprOr::Expr(s) => self.template(f, s, dst),
        }
    }

    /// Lowers a boolean literal-or-expression into `dst`.
    pub fn expr_or_bool(&mut self, f: &mut FunctionBuilder, v: &ExprOr<bool>, dst: Reg) -> Result<(), CompileError> {
        match v {
            ExprOr::Lit { value, .. } => {
                f.emit(Op::LoadBool { dst, value: w3_isa::Imm8(u8::from(*value)) });
                Ok(())
            }
            ExprOr::Expr(s) => self.template(f, s, dst),
        }
    }
}
