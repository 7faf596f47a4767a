"""Suppression comments: `# noqa[: CODES]`, `# deblock: ignore[CODES]`, file-level `# deblock: noqa`.

Found with a regular expression over the text rather than the tokenizer: the
tokenizer costs about as much as parsing, and a stray match inside a string
literal can only hide a finding on that same line. The exception is a file-level
`# deblock: noqa`, which would hide every finding: a docstring that shows one (in
documentation of deblock itself, say) must not count, so those rare candidates are
confirmed with the tokenizer.
"""

from __future__ import annotations

import io
import re
import tokenize

from deblock.analyzer.facts.model import SuppressionFact

_CODE = r"[A-Z]+[0-9]+"
_CODES = rf"{_CODE}(?:[\s,]+{_CODE})*"
_COMMENT = re.compile(
    rf"#\s*(?:"
    rf"(?P<noqa>noqa)(?::\s*(?P<noqa_codes>{_CODES}))?"
    rf"|deblock:\s*(?P<ignore>ignore|noqa)(?:\[(?P<ignore_codes>{_CODES})\]|:\s*(?P<file_codes>{_CODES}))?"
    rf")",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"[\s,]+")


def scan(source: str) -> tuple[SuppressionFact, ...]:
    if "noqa" not in source and "deblock:" not in source and "NOQA" not in source:
        return ()
    found: list[SuppressionFact] = []
    for number, line in enumerate(source.splitlines(), start=1):
        if "#" not in line:
            continue
        match = _COMMENT.search(line)
        if match is None:
            continue
        own_line = line.lstrip().startswith("#")
        codes_text = match.group("noqa_codes") or match.group("ignore_codes") or match.group("file_codes")
        codes = tuple(c.upper() for c in _SPLIT.split(codes_text.strip())) if codes_text else None
        directive = (match.group("ignore") or "").lower()
        file_level = directive == "noqa" and own_line
        kind = "ignore" if directive == "ignore" else "noqa"
        found.append(SuppressionFact(number, codes, own_line, file_level, kind))
    if any(s.file_level for s in found):
        comments = _comment_lines(source)
        if comments is not None:
            found = [s for s in found if not s.file_level or s.line in comments]
    return tuple(found)


def _comment_lines(source: str) -> set[int] | None:
    """Lines that hold a real comment token (None when the file does not tokenize)."""
    try:
        return {
            token.start[0]
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.COMMENT
        }
    except (tokenize.TokenError, SyntaxError):
        return None
