#!/usr/bin/env python3
"""Precision on real projects: run deblock on pinned releases of open-source web back
ends and compare its findings with hand labels.

Each project is a wheel from PyPI (the package registry is the one network source the
sandbox allows), pinned so that line numbers stay put. The script extracts the wheel's
`.py` files, runs `deblock check --output-format json` on them, and matches every finding
against `bench/labels/<project>-<version>.tsv` (code, path, line, label, note; label is
`tp`, `fp` or `judgement`). It prints, per project and per rule family: findings,
labelled, true positives, false positives, and the findings nobody has labelled yet.

    python bench/real_projects.py                       # every project
    python bench/real_projects.py open-webui --unlabelled   # list what still needs a label

Labels are judgements made by reading the code around each finding; a `judgement` label
means a reasonable reviewer could go either way, and counts as neither tp nor fp.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

LABELS = Path(__file__).parent / "labels"


@dataclass(frozen=True)
class Release:
    name: str  # PyPI name
    version: str
    package: str  # the import package inside the wheel to check


RELEASES = (
    Release("open-webui", "0.12.4", "open_webui"),  # FastAPI, async SQLAlchemy, socket.io
    Release("prefect", "3.9.1", "prefect"),  # FastAPI server + async client
    Release("label-studio", "1.23.2", "label_studio"),  # Django + DRF
    Release("apache-superset", "6.1.0", "superset"),  # Flask + SQLAlchemy
    Release("wagtail", "8.0.1", "wagtail"),  # Django CMS
)


def fetch(release: Release, into: Path) -> Path:
    """Download and unpack the wheel's Python files; returns the package folder."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
         "--python-version", "3.12", "--dest", str(into), f"{release.name}=={release.version}"],
        check=True,
    )
    wheel = next(into.glob(f"{release.name.replace('-', '_')}-{release.version}-*.whl"))
    root = into / release.name
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith(".py"):
                archive.extract(member, root)
    return root


def findings(root: Path, package: str) -> list[tuple[str, str, int, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "deblock", "check", package, "--exit-zero", "--no-cache", "--output-format", "json"],
        cwd=root, capture_output=True, text=True, check=True,
    )
    return [(f["code"], f["filename"], f["location"]["row"], f["message"]) for f in json.loads(result.stdout)]


def labels(release: Release) -> dict[tuple[str, str, int], tuple[str, str]]:
    path = LABELS / f"{release.name}-{release.version}.tsv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return {(r["code"], r["path"], int(r["line"])): (r["label"], r["note"]) for r in rows}


def relative(filename: str, root: Path) -> str:
    path = Path(filename)
    return path.relative_to(root).as_posix() if path.is_absolute() else path.as_posix()


def report(release: Release, root: Path, show_unlabelled: bool) -> Counter[str]:
    known = labels(release)
    totals: Counter[str] = Counter()
    families: dict[str, Counter[str]] = {}
    unlabelled = []
    for code, filename, line, message in findings(root, release.package):
        key = (code, relative(filename, root), line)
        family = families.setdefault(code[:4] + "xx", Counter())
        family["findings"] += 1
        label = known.get(key, ("", ""))[0]
        family[label or "unlabelled"] += 1
        if not label:
            unlabelled.append(f"  {key[1]}:{line}: {code} {message}")
    print(f"\n{release.name} {release.version}")
    for family, counts in sorted(families.items()):
        judged = counts["tp"] + counts["fp"]
        rate = f"{100 * counts['tp'] / judged:.0f}% tp" if judged else "-"
        print(f"  {family}: {counts['findings']} findings, {counts['tp']} tp, {counts['fp']} fp, "
              f"{counts['judgement']} judgement, {counts['unlabelled']} unlabelled ({rate})")
        totals.update(counts)
    if show_unlabelled:
        print("\n".join(unlabelled))
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="*", help="PyPI names (default: all)")
    parser.add_argument("--unlabelled", action="store_true", help="list findings without a label")
    parser.add_argument("--workdir", type=Path, help="keep downloads here (default: a temporary folder)")
    args = parser.parse_args(argv)
    chosen = [r for r in RELEASES if not args.projects or r.name in args.projects]
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        grand: Counter[str] = Counter()
        for release in chosen:
            root = workdir / release.name
            if not root.exists():
                root = fetch(release, workdir)
            grand.update(report(release, root, args.unlabelled))
    judged = grand["tp"] + grand["fp"]
    if judged:
        print(f"\nall labelled: {grand['tp']}/{judged} true positives ({100 * grand['tp'] / judged:.1f}%), "
              f"{grand['judgement']} judgement calls, {grand['unlabelled']} unlabelled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
