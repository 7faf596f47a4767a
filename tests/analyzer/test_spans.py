"""Node positions in characters: `ast` counts UTF-8 bytes, facts and LibCST count characters."""

from __future__ import annotations

import ast

from deblock.analyzer.spans import node_span, parse_in_characters, source_lines, tree_span
from deblock.model import Span

SOURCE = 'x = "é☕"; y = post.author\nz = 1\n'


def _attribute(tree: ast.Module) -> ast.Attribute:
    return next(n for n in ast.walk(tree) if isinstance(n, ast.Attribute))


def test_columns_after_non_ascii_text_count_characters() -> None:
    expected = Span(1, 14, 1, 25)
    assert SOURCE.splitlines()[0][14:25] == "post.author"
    assert node_span(_attribute(ast.parse(SOURCE)), source_lines(SOURCE)) == expected
    assert tree_span(_attribute(parse_in_characters(SOURCE))) == expected
    assert tree_span(_attribute(parse_in_characters(SOURCE.encode("utf-8")))) == expected


def test_ascii_sources_keep_their_columns() -> None:
    assert source_lines("a = b.c\n") is None
    assert tree_span(_attribute(parse_in_characters("a = b.c\n"))) == Span(1, 4, 1, 7)
