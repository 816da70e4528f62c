//! GitHub's expression language: lexer, parser and evaluator.
