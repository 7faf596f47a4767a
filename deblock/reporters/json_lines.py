"""`json-lines`: the `json` objects, one compact object per line (streams into log tools)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from deblock.model import Finding
from deblock.reporters import ReportContext
from deblock.reporters.json import finding_objects


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return "".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in finding_objects(findings, context))
