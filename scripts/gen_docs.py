"""Regenerate docs/rules/ from the rule docstrings: `python scripts/gen_docs.py`."""

from pathlib import Path

from deblock.docs import write

if __name__ == "__main__":
    for path in write(Path(__file__).resolve().parent.parent / "docs" / "rules"):
        print(f"wrote {path}")
