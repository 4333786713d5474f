"""A tiny evaluator for the formulas the OKR worksheets use (``=SUM(B3:B40)``, ``=B3+B4``),
so a workbook saved by openpyxl (which stores no cached results) still shows TOTAL values.

Supports numbers, A1 references and ranges on the same sheet, + - * /, parentheses and
SUM / MIN / MAX / AVERAGE / COUNT. Anything else raises :class:`FormulaError`."""

from __future__ import annotations

import re
from collections.abc import Callable

from okr_tui.core.grid import CellValue

Lookup = Callable[[int, int], CellValue]

_TOKEN = re.compile(
    r"\s*(?:(?P<range>\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)|(?P<ref>\$?[A-Z]{1,3}\$?\d+)"
    r"|(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(?P<func>[A-Z]+)\s*\(|(?P<op>[-+*/(),]))"
)
_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


class FormulaError(ValueError):
    """The formula is outside the supported subset or refers to bad data."""


def parse_ref(ref: str) -> tuple[int, int]:
    """``B3`` → (row 2, col 1), 0-based."""
    m = _REF.fullmatch(ref)
    if not m:
        raise FormulaError(f"bad reference {ref}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + (ord(ch) - 64)
    return int(m.group(2)) - 1, col - 1


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.upper()
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaError(f"unsupported formula text at {text[pos:]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _number(value: CellValue) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], lookup: Lookup) -> None:
        self.tokens = tokens
        self.pos = 0
        self.lookup = lookup

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise FormulaError("unexpected end of formula")
        self.pos += 1
        return tok

    def expect(self, op: str) -> None:
        if self.take() != ("op", op):
            raise FormulaError(f"expected {op!r}")

    def expr(self) -> float:
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self) -> float:
        value = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            rhs = self.factor()
            if op == "/" and rhs == 0:
                raise FormulaError("division by zero")
            value = value * rhs if op == "*" else value / rhs
        return value

    def values(self, ref_range: str) -> list[float]:
        a, b = ref_range.split(":")
        (r1, c1), (r2, c2) = parse_ref(a), parse_ref(b)
        out = []
        for r in range(min(r1, r2), max(r1, r2) + 1):
            for c in range(min(c1, c2), max(c1, c2) + 1):
                n = _number(self.lookup(r, c))
                if n is not None:
                    out.append(n)
        return out

    def factor(self) -> float:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "ref":
            return _number(self.lookup(*parse_ref(text))) or 0.0
        if kind == "op" and text == "-":
            return -self.factor()
        if kind == "op" and text == "+":
            return self.factor()
        if kind == "op" and text == "(":
            value = self.expr()
            self.expect(")")
            return value
        if kind == "func":
            return self.function(text)
        raise FormulaError(f"unexpected {text!r}")

    def function(self, name: str) -> float:
        args: list[float] = []
        counted = 0
        while self.peek() != ("op", ")"):
            kind, text = self.peek() or ("", "")
            if kind == "range":
                self.take()
                vals = self.values(text)
                args.extend(vals)
                counted += len(vals)
            else:
                args.append(self.expr())
                counted += 1
            if self.peek() == ("op", ","):
                self.take()
        self.expect(")")
        if name == "SUM":
            return sum(args)
        if name == "MIN":
            return min(args, default=0.0)
        if name == "MAX":
            return max(args, default=0.0)
        if name == "COUNT":
            return float(counted)
        if name == "AVERAGE":
            if not args:
                raise FormulaError("AVERAGE of nothing")
            return sum(args) / len(args)
        raise FormulaError(f"unsupported function {name}")


def evaluate(formula: str, lookup: Lookup) -> int | float:
    """The value of ``formula`` (leading ``=``), reading other cells through ``lookup``;
    integral results come back as ``int``."""
    body = formula[1:] if formula.startswith("=") else formula
    parser = _Parser(_tokens(body), lookup)
    value = parser.expr()
    if parser.peek() is not None:
        raise FormulaError("trailing text in formula")
    return int(value) if float(value).is_integer() else value
