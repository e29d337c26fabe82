"""Command line for every stage: `python -m domains fraud extract --date 2026-11-20`, `... run all`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta

from domains.core.registry import DOMAINS, built_domains, get_spec
from domains.core.spec import STAGES


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m domains",
        description="Run analytics pipeline stages outside Airflow.",
        epilog="Examples:\n  python -m domains list\n"
        "  python -m domains run fraud --date 2026-11-20 --days 3\n"
        "  python -m domains fraud transform --date 2026-11-20",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", help="'list', 'run', or a domain name")
    p.add_argument("what", nargs="?", help="with 'run': a domain or 'all'; with a domain: a stage")
    p.add_argument("--date", help="logical date YYYY-MM-DD (default: yesterday, UTC)")
    p.add_argument(
        "--days",
        type=int,
        default=1,
        help="with 'run': load this many days ending at --date (history), train on the last",
    )
    p.add_argument(
        "--stages",
        help="with 'run': comma-separated stages for every day "
        "(default: ETL on history days, all six on the last)",
    )
    p.add_argument("--warehouse-url", help="override WAREHOUSE_URL")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from domains.core.pipeline import normalise_ds, run_pipeline, run_stage

    if args.target == "list":
        for spec in DOMAINS.values():
            state = "built" if spec.built else "spec only"
            print(f"{spec.name:<11} {spec.dag_id:<20} {spec.schedule:<12} port {spec.api_port}  {state}")
        return 0
    if args.target == "run":
        names = (
            [s.name for s in built_domains()] if args.what in (None, "all") else [get_spec(args.what).name]
        )
        end = date.fromisoformat(normalise_ds(args.date))
        chosen = tuple(args.stages.split(",")) if args.stages else None
        unknown = set(chosen or ()) - set(STAGES)
        if unknown:
            print(f"unknown stages {sorted(unknown)}; stages are: {', '.join(STAGES)}", file=sys.stderr)
            return 2
        for name in names:
            # Earlier days only load history (features look back); the last day also trains and serves.
            for offset in range(args.days - 1, -1, -1):
                stages = chosen or (STAGES if offset == 0 else STAGES[:3])
                run_pipeline(name, end - timedelta(days=offset), args.warehouse_url, stages=stages)
        return 0
    spec = get_spec(args.target)
    if args.what not in STAGES:
        print(f"stage must be one of: {', '.join(STAGES)}", file=sys.stderr)
        return 2
    result = run_stage(spec.name, args.what, args.date, warehouse_url=args.warehouse_url)
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
