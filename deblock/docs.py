"""Rule documentation pages, generated from the rules' docstrings and metadata.

`python scripts/gen_docs.py` writes them to docs/rules/; a test fails when the
committed pages differ from what this module produces.
"""

from __future__ import annotations

from pathlib import Path

from deblock.rules import Rule, all_rules

_FIX_TEXT = {
    "none": "No fix is available.",
    "sometimes": "A fix is sometimes available.",
    "always": "A fix is always available.",
}


def rule_page(rule: type[Rule]) -> str:
    header = [
        f"# {rule.name} ({rule.code})",
        "",
        f"{_FIX_TEXT[rule.fix_availability.value]}"
        + (f" Applicability: {rule.applicability.value}." if rule.fix_availability.value != "none" else ""),
        f"Scope: {rule.scope}. Default severity: {rule.severity.value}.",
        "",
        f"Family: {rule.__module__.split('.')[2]}.",
        "",
    ]
    return "\n".join(header) + rule.docs().strip() + "\n"


def index_page() -> str:
    lines = ["# Rules", "", "| Code | Name | Fix | Summary |", "|---|---|---|---|"]
    for rule in all_rules():
        fix = {"none": "", "sometimes": "🛠 sometimes", "always": "🛠"}[rule.fix_availability.value]
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {fix} | {rule.summary()} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    out = {f"{rule.code}.md": rule_page(rule) for rule in all_rules()}
    out["index.md"] = index_page()
    return out


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for stale in directory.glob("DBK*.md"):
        if stale.name not in pages():
            stale.unlink()
            written.append(stale)
    return written
