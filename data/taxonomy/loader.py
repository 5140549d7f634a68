"""Reading and validating the taxonomy YAML files."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import TaxonomyError
from .model import CAVEATS, DIMENSIONS, ROOTS, STATUSES, Node, Taxonomy

TAXONOMY_DIR = Path(__file__).resolve().parent
ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
LOW_RE = re.compile(r"^(0[1-9]|1[0-9]|20)\d{4}$")  # chapters 01–20, six digits
NACE_DIVISION_RE = re.compile(r"^\d{2}$")
FIELDS = {
    "id", "label_fr", "label_en", "desc_fr", "desc_en", "syn_fr", "syn_en", "dimension", "status",
    "low", "hazardous", "uses", "naf_uses", "naf_produces", "caveats", "max_km", "temp_c", "deprecated", "pool_siblings",
}
INHERITED = ("dimension", "status", "max_km")


def _as_tuple(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def parse_nodes(raw: list[tuple[str, dict]]) -> Taxonomy:
    """Build and validate a Taxonomy from (source file, mapping) pairs; list every problem."""
    problems: list[str] = []
    by_id: dict[str, dict] = {}
    source: dict[str, str] = {}
    for where, entry in raw:
        if not isinstance(entry, dict) or "id" not in entry:
            problems.append(f"{where}: every entry must be a mapping with an 'id'")
            continue
        nid = str(entry["id"])
        if not ID_RE.match(nid):
            problems.append(f"{where}: id {nid!r} must be dotted lowercase segments [a-z0-9_]")
        if nid in by_id:
            problems.append(f"{where}: id {nid!r} already defined in {source[nid]}")
            continue
        unknown = set(entry) - FIELDS
        if unknown:
            problems.append(f"{where}: {nid}: unknown field(s) {sorted(unknown)}; expected some of {sorted(FIELDS)}")
        by_id[nid] = entry
        source[nid] = where

    children: dict[str, list[str]] = {nid: [] for nid in by_id}
    for nid in by_id:
        parent = nid.rsplit(".", 1)[0] if "." in nid else None
        if parent is None:
            if nid not in ROOTS:
                problems.append(f"{source[nid]}: root {nid!r} is not one of {', '.join(ROOTS)}")
        elif parent not in by_id:
            problems.append(f"{source[nid]}: {nid}: parent {parent!r} is not defined")
        else:
            children[parent].append(nid)

    def inherited(nid: str, key: str) -> Any:
        while nid:
            entry = by_id.get(nid)
            if entry is not None and entry.get(key) is not None:
                return entry[key]
            nid = nid.rsplit(".", 1)[0] if "." in nid else ""
        return None

    def inherited_caveats(nid: str) -> frozenset[str]:
        out: set[str] = set()
        while nid:
            out.update(_as_tuple(by_id.get(nid, {}).get("caveats")))
            nid = nid.rsplit(".", 1)[0] if "." in nid else ""
        return frozenset(out)

    nodes: dict[str, Node] = {}
    for nid in sorted(by_id):
        entry, where = by_id[nid], f"{source[nid]}: {nid}"
        leaf = not children[nid]
        for key in ("label_fr", "label_en"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                problems.append(f"{where}: {key} is required")
        syn_fr = tuple(str(s).strip() for s in _as_tuple(entry.get("syn_fr")) if str(s).strip())
        syn_en = tuple(str(s).strip() for s in _as_tuple(entry.get("syn_en")) if str(s).strip())
        dimension = inherited(nid, "dimension")
        if leaf and not entry.get("deprecated"):
            for key in ("desc_fr", "desc_en"):
                if not isinstance(entry.get(key), str) or not entry[key].strip():
                    problems.append(f"{where}: a leaf needs {key}")
            if len(syn_fr) < 2 or len(syn_en) < 1:
                problems.append(f"{where}: a leaf needs at least two syn_fr and one syn_en")
            if dimension is None:
                problems.append(f"{where}: a leaf needs a dimension (own or inherited)")
        if dimension is not None and dimension not in DIMENSIONS:
            problems.append(f"{where}: dimension {dimension!r} is not one of {', '.join(DIMENSIONS)}")
        status = inherited(nid, "status")
        if status is not None and status not in STATUSES:
            problems.append(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")
        low = tuple(str(c) for c in _as_tuple(entry.get("low")))
        for code in low:
            if not LOW_RE.match(code):
                problems.append(f"{where}: List of Waste code {code!r} must be six digits, chapter 01–20, no spaces")
        if low and not isinstance(entry.get("hazardous"), bool):
            problems.append(f"{where}: 'hazardous' (true/false) is required with 'low'")
        for key in ("naf_uses", "naf_produces"):
            for division in _as_tuple(entry.get(key)):
                if not NACE_DIVISION_RE.match(str(division)):
                    problems.append(f"{where}: {key} entry {division!r} must be a two-digit NACE division")
        caveats = inherited_caveats(nid)
        if entry.get("hazardous"):
            caveats = caveats | {"hazardous"}
        for caveat in caveats - set(CAVEATS):
            problems.append(f"{where}: caveat {caveat!r} is not one of {', '.join(CAVEATS)}")
        temp = entry.get("temp_c")
        if temp is not None and (not isinstance(temp, list) or len(temp) != 2):
            problems.append(f"{where}: temp_c must be [min, max] in °C")
        max_km = inherited(nid, "max_km")
        nodes[nid] = Node(
            id=nid,
            label_fr=str(entry.get("label_fr", "")).strip(),
            label_en=str(entry.get("label_en", "")).strip(),
            desc_fr=str(entry.get("desc_fr", "") or "").strip(),
            desc_en=str(entry.get("desc_en", "") or "").strip(),
            syn_fr=syn_fr,
            syn_en=syn_en,
            dimension=dimension,
            status=status,
            low=low,
            hazardous=bool(entry.get("hazardous", False)),
            uses=tuple(str(u) for u in _as_tuple(entry.get("uses"))),
            naf_uses=tuple(str(d) for d in _as_tuple(entry.get("naf_uses"))),
            naf_produces=tuple(str(d) for d in _as_tuple(entry.get("naf_produces"))),
            caveats=caveats,
            max_km=float(max_km) if max_km is not None else None,
            temp_c=(float(temp[0]), float(temp[1])) if isinstance(temp, list) and len(temp) == 2 else None,
            deprecated=bool(entry.get("deprecated", False)),
            pool_siblings=bool(entry.get("pool_siblings", False)),
            children=tuple(sorted(children[nid])),
        )
    for node in nodes.values():
        for target in node.uses:
            if target not in nodes:
                problems.append(f"{source[node.id]}: {node.id}: uses target {target!r} is not defined")
            elif target == node.id:
                problems.append(f"{source[node.id]}: {node.id}: uses itself")
    if problems:
        raise TaxonomyError(f"{len(problems)} problem(s) in the taxonomy:\n  " + "\n  ".join(problems))
    return Taxonomy(nodes)


def read_folder(folder: Path) -> list[tuple[str, dict]]:
    raw: list[tuple[str, dict]] = []
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise TaxonomyError(f"No taxonomy files (*.yaml) in {folder}.")
    for path in files:
        try:
            entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise TaxonomyError(f"{path.name}: not valid YAML: {exc}") from None
        if not isinstance(entries, list):
            raise TaxonomyError(f"{path.name}: expected a list of nodes")
        raw.extend((path.name, entry) for entry in entries)
    return raw


@lru_cache(maxsize=4)
def load_taxonomy(folder: str | Path | None = None) -> Taxonomy:
    """Load and validate the taxonomy (cached per folder; the files are read once per process)."""
    return parse_nodes(read_folder(Path(folder) if folder else TAXONOMY_DIR))
