"""Renderers for a migration `Plan`: rich (terminal), json, mermaid, dot and a single
self-contained html file (inline SVG, no scripts, opens offline).

Every renderer reads only the Plan; colours are the same everywhere:
sync (grey), becomes async (blue), already async (green), blocking I/O leaf (orange),
bridge (purple), blocker (red).
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Callable

from deblock.migration.plan import BECOMES_ASYNC, Plan

FORMATS = ("rich", "json", "mermaid", "dot", "html")

KINDS: dict[str, tuple[str, str, str]] = {  # kind -> (legend label, fill, stroke)
    "sync": ("no change (entry point)", "#eceff1", "#78909c"),
    "becomes_async": ("becomes async", "#bbdefb", "#1565c0"),
    "already_async": ("already async", "#c8e6c9", "#2e7d32"),
    "io": ("blocking I/O (async twin)", "#ffe0b2", "#ef6c00"),
    "bridge": ("bridge (sync_to_async / to_thread / async_to_sync)", "#e1bee7", "#6a1b9a"),
    "blocker": ("blocker: must stay sync", "#ffcdd2", "#c62828"),
}


def render(plan: Plan, fmt: str, color: bool = False) -> str:
    renderers: dict[str, Callable[..., str]] = {
        "rich": lambda p: render_rich(p, color), "json": render_json, "mermaid": render_mermaid,
        "dot": render_dot, "html": render_html,
    }
    return renderers[fmt](plan)


# ---------------------------------------------------------------------- json
def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------- rich
def _common_dir(plan: Plan) -> str:
    import os.path

    paths = [f.path for f in plan.functions] + [h.path for h in (*plan.blockers, *plan.hazards)]
    if not paths:
        return ""
    common = os.path.commonpath(paths) if len(paths) > 1 else os.path.dirname(paths[0])
    return common if common and common not in paths else os.path.dirname(common)


def _edits(awaits: int, swaps: int, bridges: int) -> str:
    parts = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in ((awaits, "await"), (swaps, "swap"), (bridges, "bridge")) if n]
    return ", ".join(parts) or "-"


def _awaits_made(plan: Plan) -> dict[str, int]:
    """Awaits written inside each function (a PlanFunction lists the call sites *of* it)."""
    made: dict[str, int] = {}
    for f in plan.functions:
        for site in f.awaits:
            made[site.caller] = made.get(site.caller, 0) + 1
    return made


def render_rich(plan: Plan, color: bool = False, width: int = 120) -> str:
    """Summary, notes, blockers, library swaps (with their semantic deltas), bridges,
    ordered steps and effort. Paths are shown relative to the plan's common folder."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    base = _common_dir(plan)

    def loc(path: str, line: int, end: int | None = None) -> str:
        rel = path[len(base) + 1:] if base and path.startswith(base + "/") else path
        return escape(f"{rel}:{line}" + (f"-{end}" if end and end != line else ""))

    effort = plan.effort
    entries = ", ".join(e.qualname for e in plan.entries) if len(plan.entries) <= 3 else f"{len(plan.entries)} entry points"
    console.print(f"[bold]Migration plan[/bold] for {escape(entries)}" + (f" (paths under {escape(base)}/)" if base else ""))
    console.print(
        f"  {effort.defs} function(s) become async, {effort.awaits} call site(s) get `await`, "
        f"{effort.swaps} library swap(s) ({effort.unsafe_swaps} unsafe), {effort.bridges} bridge(s), "
        f"{len(plan.blockers)} blocker(s), {len(plan.hazards)} other hazard(s)"
    )
    for note in plan.notes:
        console.print(f"  [yellow]note:[/yellow] {escape(note)}")
    if not plan.functions:
        console.print("\nNothing to change: no function on these paths performs I/O with an async twin.")
        return buffer.getvalue()
    for title, hazards in (("Blockers (propagation stops here)", plan.blockers),
                           ("Hazards to review (no bridge of the plan covers them)", plan.hazards)):
        if not hazards:
            continue
        table = Table(title=title, title_justify="left")
        for column in ("where", "function", "kind", "why", "bridge"):
            table.add_column(column, overflow="fold")
        for h in hazards:
            kind = h.kind + (f" ({h.code})" if h.code else "")
            table.add_row(loc(h.path, h.span.line), escape(h.function), escape(kind), escape(h.message),
                          escape(h.bridge or "-"))
        console.print(table)
    swaps = [s for f in plan.functions for s in f.swaps]
    if swaps:
        deltas: dict[str, int] = {}
        table = Table(title="Library swaps", title_justify="left")
        for column in ("where", "from", "to", "needs", "safety", "delta"):
            table.add_column(column, overflow="fold")
        for s in swaps:
            note = deltas.setdefault(s.semantic_delta, len(deltas) + 1)
            table.add_row(loc(s.path, s.span.line), escape(s.from_), escape(s.to), escape(s.min_version or "-"),
                          s.safety + ("" if s.codemod else ", by hand"), escape(f"[{note}]"))
        console.print(table)
        for text, number in deltas.items():
            console.print(f"  \\[{number}] {escape(text)}")
    bridges = [b for f in plan.functions for b in f.bridges]
    if bridges:
        table = Table(title="Bridges", title_justify="left")
        for column in ("where", "kind", "in", "wraps", "why"):
            table.add_column(column, overflow="fold")
        for b in bridges:
            table.add_row(loc(b.path, b.span.line, b.span.end_line), b.kind + (" (by hand)" if b.manual else ""),
                          escape(b.function), escape(b.target), escape(b.reason))
        console.print(table)
    made = _awaits_made(plan)
    table = Table(title="Steps (leaves first)", title_justify="left")
    for column in ("step", "function", "where", "change", "edits", "because"):
        table.add_column(column, overflow="fold")
    for f in plan.functions:
        change = {"becomes_async": "def → async def", "already_async": "already async", "stays_sync": "stays sync"}[f.status]
        because = " → ".join(f.chain[1:]) if f.chain else f.reason
        table.add_row(str(f.step), escape(f.qualname), loc(f.path, f.span.line), change,
                      _edits(made.get(f.qualname, 0), len(f.swaps), len(f.bridges)), escape(because))
    console.print(table)
    console.print(
        f"[bold]Effort[/bold]: {effort.automatic} mechanical edit(s), {effort.manual} manual item(s) "
        f"({effort.defs} defs + {effort.awaits} awaits + {effort.swaps} swaps + {effort.bridges} bridges).\n"
        f"  {escape(effort.formula)}"
    )
    return buffer.getvalue()


# ---------------------------------------------------------------------- mermaid / dot
def _ids(plan: Plan) -> dict[str, str]:
    return {node.id: f"n{index}" for index, node in enumerate(plan.nodes)}


def render_mermaid(plan: Plan) -> str:
    ids = _ids(plan)
    lines = ["flowchart TD"]
    for node in plan.nodes:
        label = node.label.replace('"', "'")
        lines.append(f'    {ids[node.id]}["{label}"]:::{node.kind}')
    for edge in plan.edges:
        arrow = {"await": "-->|await|", "io": "-.->", "bridge": "==>|bridge|", "call": "-->"}[edge.kind]
        lines.append(f"    {ids[edge.source]} {arrow} {ids[edge.target]}")
    for kind, (_, fill, stroke) in KINDS.items():
        lines.append(f"    classDef {kind} fill:{fill},stroke:{stroke}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(plan: Plan) -> str:
    lines = ["digraph plan {", "    rankdir=TB;", '    node [shape=box, style="rounded,filled", fontname="Helvetica"];']
    for node in plan.nodes:
        _, fill, stroke = KINDS[node.kind]
        lines.append(f"    {_dot_quote(node.id)} [label={_dot_quote(node.label)}, fillcolor={_dot_quote(fill)}, "
                     f"color={_dot_quote(stroke)}, tooltip={_dot_quote(node.title)}];")
    for edge in plan.edges:
        style = {"await": 'label="await"', "io": "style=dashed", "bridge": 'style=bold, label="bridge"', "call": ""}[edge.kind]
        lines.append(f"    {_dot_quote(edge.source)} -> {_dot_quote(edge.target)}" + (f" [{style}];" if style else ";"))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- html
NODE_H, GAP_X, GAP_Y, CHAR_W, PAD = 34, 24, 70, 7.2, 14


def layout(plan: Plan) -> dict[str, tuple[float, float, float]]:
    """Layered layout: layer = longest path from a source (entry points at the top, I/O
    leaves at the bottom); within a layer, nodes sit near their parents' mean position.
    Returns node id -> (x, y, width)."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(n.id for n in plan.nodes)
    graph.add_edges_from((e.source, e.target) for e in plan.edges if e.source != e.target)
    condensed = nx.condensation(graph)
    mapping = condensed.graph["mapping"]
    layer_of_component: dict[int, int] = {}
    for component in nx.topological_sort(condensed):
        preds = list(condensed.predecessors(component))
        layer_of_component[component] = 1 + max((layer_of_component[p] for p in preds), default=-1)
    # I/O leaves sink to the bottom layer.
    bottom = max(layer_of_component.values(), default=0)
    layers: dict[int, list[str]] = {}
    kinds = {n.id: n.kind for n in plan.nodes}
    labels = {n.id: n.label for n in plan.nodes}
    for node in sorted(graph.nodes):
        layer = layer_of_component[mapping[node]]
        if kinds[node] == "io" and graph.out_degree(node) == 0:
            layer = bottom
        layers.setdefault(layer, []).append(node)
    position: dict[str, tuple[float, float, float]] = {}
    for layer in sorted(layers):
        names = layers[layer]

        def parent_x(name: str) -> float:
            xs = [position[p][0] + position[p][2] / 2 for p in graph.predecessors(name) if p in position]
            return sum(xs) / len(xs) if xs else 0.0

        names.sort(key=lambda n: (parent_x(n), n))
        x = GAP_X
        for name in names:
            width = max(80.0, len(labels[name]) * CHAR_W + 2 * PAD)
            position[name] = (x, GAP_X + layer * (NODE_H + GAP_Y), width)
            x += width + GAP_X
    return position


def render_html(plan: Plan) -> str:
    position = layout(plan)
    width = max((x + w for x, _, w in position.values()), default=200) + 24
    height = max((y for _, y, _ in position.values()), default=0) + NODE_H + 48
    esc = html.escape
    svg = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="call graph">'),
           ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#546e7a"/></marker></defs>')]
    for edge in plan.edges:
        if edge.source not in position or edge.target not in position:
            continue
        sx, sy, sw = position[edge.source]
        tx, ty, tw = position[edge.target]
        x1, y1, x2, y2 = sx + sw / 2, sy + NODE_H, tx + tw / 2, ty
        if ty <= sy:  # an edge back up (a cycle): leave from the side
            y1, y2 = sy + NODE_H / 2, ty + NODE_H / 2
        dash = {"io": ' stroke-dasharray="5 4"', "bridge": ' stroke-width="2.5" stroke="#6a1b9a"'}.get(edge.kind, "")
        mid = (y1 + y2) / 2
        svg.append(f'<path class="edge {edge.kind}" d="M {x1:.1f} {y1:.1f} C {x1:.1f} {mid:.1f}, {x2:.1f} {mid:.1f}, '
                   f'{x2:.1f} {y2:.1f}" fill="none" stroke="#546e7a"{dash} marker-end="url(#arrow)">'
                   f'<title>{esc(edge.source)} → {esc(edge.target)} ({edge.kind})</title></path>')
    for node in plan.nodes:
        x, y, w = position[node.id]
        _, fill, stroke = KINDS[node.kind]
        where = f" ({node.path}:{node.line})" if node.path and node.line else ""
        css = "node fn" if not node.id.startswith("io:") else "node io"
        svg.append(f'<g class="{css} {node.kind}" data-id="{esc(node.id)}">'
                   f'<title>{esc(node.id)}{esc(where)}\n{esc(node.title)}</title>'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{NODE_H}" rx="7" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="1.5"/>'
                   f'<text x="{x + w / 2:.1f}" y="{y + NODE_H / 2 + 4:.1f}" text-anchor="middle">{esc(node.label)}</text></g>')
    svg.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{fill};border-color:{stroke}"></span>{esc(label)}</li>'
        for label, fill, stroke in KINDS.values())
    steps = []
    made = _awaits_made(plan)
    by_name = {f.qualname: f for f in plan.functions}
    for step in plan.steps:
        items = []
        for name in step.functions:
            f = by_name[name]
            detail = _edits(made.get(name, 0), len(f.swaps), len(f.bridges))
            change = "def → async def" if f.status == BECOMES_ASYNC else f.status.replace("_", " ")
            items.append(f"<li><code>{esc(name)}</code> <small>{esc(f.path)}:{f.span.line}</small> — "
                         f"<b>{esc(change)}</b>; {esc(detail)}<br><small>{esc(f.reason)}</small></li>")
        cycle = " (cycle: change together)" if step.cycle else ""
        steps.append(f"<li>Step {step.index}{cycle}<ul>{''.join(items)}</ul></li>")
    blockers = "".join(f"<li><code>{esc(h.function)}</code> {esc(h.path)}:{h.span.line} — {esc(h.kind)}: "
                       f"{esc(h.message)} <small>bridge: {esc(h.bridge or '-')}</small></li>"
                       for h in (*plan.blockers, *plan.hazards)) or "<li>none</li>"
    e = plan.effort
    summary = (f"{e.defs} function(s) become async, {e.awaits} await(s), {e.swaps} swap(s) ({e.unsafe_swaps} unsafe), "
               f"{e.bridges} bridge(s), {len(plan.blockers)} blocker(s); {e.automatic} mechanical edit(s), "
               f"{e.manual} manual item(s)")
    notes = "".join(f"<p class=note>{esc(n)}</p>" for n in plan.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>deblock migration plan</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #263238; }}
.graph {{ overflow: auto; border: 1px solid #cfd8dc; border-radius: 6px; }}
svg text {{ font: 12px ui-monospace, monospace; fill: #263238; }}
.legend {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; }}
.swatch {{ display: inline-block; width: 1em; height: 1em; border: 2px solid; border-radius: 3px; margin-right: .4em; vertical-align: middle; }}
.note {{ background: #fff8e1; padding: .4rem .6rem; border-radius: 4px; }}
small {{ color: #607d8b; }}
</style></head><body>
<h1>Migration plan</h1>
<p>{esc(summary)}</p>{notes}
<ul class="legend">{legend}</ul>
<div class="graph">{''.join(svg)}</div>
<h2>Blockers and hazards</h2><ul>{blockers}</ul>
<h2>Steps (leaves first)</h2><ol class="steps">{''.join(steps)}</ol>
<p><small>Effort: {esc(e.formula)}</small></p>
</body></html>
"""


__all__ = ["FORMATS", "KINDS", "layout", "render", "render_dot", "render_html", "render_json", "render_mermaid",
           "render_rich"]
