"""Spans in characters: `ast` reports UTF-8 byte columns, while facts, fixes and LibCST
count characters. On a line with non-ASCII text the two differ, so every node position
deblock records or compares goes through here."""

from __future__ import annotations

import ast
import re

from deblock.model import Span

# Python ends lines only at \r\n, \r and \n; str.splitlines() also splits at \x0c,
# \u2028, ... and would shift the byte->character column map.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(source: str) -> list[str] | None:
    """The lines of a source text, or None when it is ASCII (byte and character columns agree)."""
    return None if source.isascii() else _LINE_BREAK.split(source)


def char_col(lines: list[str] | None, line: int, byte_col: int) -> int:
    if lines is None or line > len(lines):
        return byte_col
    text = lines[line - 1]
    if text.isascii():
        return byte_col
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))


def node_span(node: ast.AST, lines: list[str] | None) -> Span:
    line, end_line = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
    col, end_col = node.col_offset, node.end_col_offset or 0  # type: ignore[attr-defined]
    return Span(line, char_col(lines, line, col), end_line, char_col(lines, end_line, end_col))


def parse_in_characters(source: str | bytes) -> ast.Module:
    """`ast.parse`, with every node's `col_offset`/`end_col_offset` in characters, for code
    that compares node positions with facts or hands them to a codemod."""
    text = source.decode("utf-8-sig") if isinstance(source, bytes) else source
    tree = ast.parse(text)
    lines = source_lines(text)
    if lines is not None:
        for node in ast.walk(tree):
            if hasattr(node, "col_offset"):
                node.col_offset = char_col(lines, node.lineno, node.col_offset)  # type: ignore[attr-defined]
                if getattr(node, "end_col_offset", None) is not None:
                    node.end_col_offset = char_col(lines, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    return tree


def tree_span(node: ast.AST) -> Span:
    """The span of a node of a `parse_in_characters` tree (its columns are characters already)."""
    return Span(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)  # type: ignore[attr-defined]
