"""Matching quality against every territory file that has a gold file beside it.

For each `NAME.jsonl` with a `NAME.gold.jsonl` in the given folders, this runs the
real CLI in a fresh data folder — `symbiose territory import` then
`symbiose match --jsonl` — and reports precision@5 and recall@10 (per supplier,
averaged, and pooled), poolings found and negatives kept out of the top 3, as
defined in ../shared/dev-data/README.md. New cases are added as data only.

    python benchmarks/match_quality.py [FOLDER ...] [-v]

Default folders: ../shared/dev-data/territories and tests/data/territories.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interview_bot.cli import main as symbiose  # noqa: E402
from matcher.evaluation import Report, evaluate  # noqa: E402

DEFAULT_FOLDERS = [ROOT.parent / "shared" / "dev-data" / "territories", ROOT / "tests" / "data" / "territories"]


def cases(folders: list[Path]) -> list[tuple[Path, Path]]:
    found = []
    for folder in folders:
        for gold in sorted(folder.glob("*.gold.jsonl")):
            territory = gold.with_name(gold.name.replace(".gold.jsonl", ".jsonl"))
            if territory.exists():
                found.append((territory, gold))
    return found


def run_case(territory: Path, gold: Path) -> tuple[Report, float]:
    """Import and match in a fresh data folder with the real CLI; return the report and seconds."""
    slug = territory.stem.lower().replace("_", "-")
    with tempfile.TemporaryDirectory(prefix="symbiose-bench-") as data_dir:
        runner = CliRunner()
        env = {"SYMBIOSE_DATA_DIR": data_dir, "SYMBIOSE_ENV": "development"}
        started = time.perf_counter()
        result = runner.invoke(symbiose, ["territory", "import", str(territory), "--territory", slug], env=env)
        if result.exit_code != 0:
            raise SystemExit(f"import of {territory} failed: {result.output}")
        result = runner.invoke(symbiose, ["match", "--territory", slug, "--jsonl"], env=env)
        if result.exit_code != 0:
            raise SystemExit(f"match of {territory} failed: {result.output}")
        seconds = time.perf_counter() - started
    proposals = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    gold_lines = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    return evaluate(proposals, gold_lines), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULT_FOLDERS)
    parser.add_argument("-v", "--verbose", action="store_true", help="List the misses.")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    found = cases(args.folders)
    if not found:
        print("No territory with a gold file in", ", ".join(map(str, args.folders)))
        return 1
    header = f"{'territory':<24} {'P@5':>5} {'R@10':>5} {'P@5 pool':>8} {'R@10 pool':>9} {'ex@5':>6} {'pool':>5} {'neg≤3':>5} {'props':>5} {'s':>5}"
    print(header)
    failed = 0
    for territory, gold in found:
        report, seconds = run_case(territory, gold)
        failed += not report.passes
        print(f"{territory.stem:<24} {report.precision_at_5:5.2f} {report.recall_at_10:5.2f} "
              f"{report.pooled_precision_at_5:8.2f} {report.pooled_recall_at_10:9.2f} "
              f"{report.found_at_5:>3}/{report.exchanges:<2} {report.poolings_found}/{report.poolings:<3} "
              f"{report.negatives_in_top_3:>5} {report.proposals:>5} {seconds:5.1f}")
        if args.verbose:
            for miss in report.misses:
                print("   ", miss)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
