"""Banking compliance: the retention purge, GDPR right-to-erasure across the warehouse and bronze, and
the data catalogue. `python -m domains.banking.compliance --help` runs them by hand."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from domains.banking.schema import (
    ACCOUNTS,
    ALERTS,
    CUSTOMERS,
    GOLD_ACCOUNT_ANOMALY,
    GOLD_AML_VOLUME,
    GOLD_CHANNEL,
    GOLD_CREDIT,
    GOLD_DAILY,
    GOLD_DQ,
    LOANS,
    QUARANTINE,
    TRANSACTIONS,
    WAREHOUSE_TABLES,
    catalogue,
)
from domains.core import etl, ops
from domains.core.bronze import data_files
from domains.core.pipeline import StageContext, make_context
from domains.core.warehouse import TableDef, Warehouse

# Retention groups of BANKING_RETENTION_YEARS and the tables each covers.
RETENTION_GROUPS: dict[str, tuple[TableDef, ...]] = {
    "transactions": (TRANSACTIONS,),
    "loans": (LOANS,),
    "aml_alerts": (ALERTS, GOLD_ACCOUNT_ANOMALY),
    "quarantine": (QUARANTINE,),
    "gold": (GOLD_DAILY, GOLD_CHANNEL, GOLD_DQ, GOLD_CREDIT, GOLD_AML_VOLUME),
}
CUSTOMER_PII = ("full_name", "date_of_birth", "address", "postcode", "email", "phone")
ACCOUNT_PII = ("account_number", "iban")
ERASED = "erased"


class ErasureError(LookupError):
    """The erasure request names no customer the warehouse knows."""


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def purge(ctx: StageContext, retention_years: Mapping[str, int]) -> dict[str, int]:
    """Delete partitions older than each group's retention, with one audit row, in one transaction."""
    wh = ctx.warehouse
    statements, names = [], []
    cutoffs = {}
    for group, tables in RETENTION_GROUPS.items():
        years = retention_years.get(group)
        if years is None:
            continue
        cutoff = _years_before(ctx.day, int(years)).isoformat()
        cutoffs[group] = cutoff
        for table in tables:
            wh.ensure(table)
            statements.append((f'DELETE FROM "{table.name}" WHERE ds < :cutoff', {"cutoff": cutoff}))
            names.append(table.name)
    audit = ops.audit_frame(
        domain="banking", action="purge", ds=ctx.ds, run_id=ctx.run_id, details={"cutoffs": cutoffs}
    )
    counts = wh.execute_audited(statements, ops.AUDIT, audit)
    purged = {n: c for n, c in zip(names, counts, strict=True) if c}
    if purged:
        etl.forget_loaded(ctx.data_dir, "banking")  # no hand-off file may bring purged rows back
        ctx.progress("retention purge removed expired partitions", purged=purged)
    return purged


PII_COLUMNS = (*CUSTOMER_PII, *ACCOUNT_PII)
# Columns whose value identifies the person's rows in raw data (surrogate ids and unique identifiers).
KEY_COLUMNS = ("customer_id", "account_id", "email", "phone", "account_number", "iban")


def _scrub_record(record: str, keys: set[str]) -> str:
    """A quarantined raw row of the person with its personal fields blanked, ids kept."""
    try:
        row = json.loads(record)
    except (TypeError, ValueError):
        return json.dumps({ERASED: True})
    if not isinstance(row, dict):
        return json.dumps({ERASED: True})
    scrubbed = {
        k: None
        if k in PII_COLUMNS or (k not in ("customer_id", "account_id") and str(v).strip() in keys)
        else v
        for k, v in row.items()
    }
    return json.dumps(scrubbed | {ERASED: True})


def _identifiers(wh: Warehouse, customer_id: str) -> tuple[set[str], list[str], list[str]]:
    """The values that single out the customer's rows anywhere (ids, e-mail, phone, account numbers,
    IBANs), their account ids, and their IBANs."""
    where = {"where": "customer_id = :c", "params": {"c": customer_id}}
    cust = wh.read_table(CUSTOMERS, ["customer_id", "email", "phone"], **where)
    acct = wh.read_table(ACCOUNTS, ["account_id", *ACCOUNT_PII], **where)
    if cust.empty and acct.empty:
        raise ErasureError(f"no customer {customer_id!r} in the banking warehouse")
    keys = {customer_id}
    for frame in (cust, acct):
        for column in frame.columns:
            keys |= {str(v).strip() for v in frame[column].dropna().tolist() if str(v).strip()}
    return keys, sorted(set(acct["account_id"])), sorted(set(acct["iban"].dropna()))


def erase(ctx: StageContext, customer_id: str, reason: str, requested_by: str) -> dict[str, Any]:
    """Remove one customer's personal data from silver, gold and quarantine, and from bronze, keeping
    every row (so counts and sums in gold stay true); records the erasure in the audit trail."""
    wh = ctx.warehouse
    wh.ensure(*WAREHOUSE_TABLES)
    keys, accounts, ibans = _identifiers(wh, customer_id)
    # Only rows naming one of the person's identifiers leave the database (quarantine can be large).
    likes = {f"k{i}": f'%"{k}"%' for i, k in enumerate(sorted(keys))}
    quarantined = wh.read_sql(
        f'SELECT ds, run_id, row_number, rule, record FROM "{QUARANTINE.name}" WHERE '
        + " OR ".join(f"record LIKE :{name}" for name in likes),
        likes,
    )
    # LIKE treats `_` as a wildcard: keep only the rows that name an identifier exactly.
    quarantined = quarantined[
        quarantined["record"].astype(str).map(lambda r: any(f'"{k}"' in r for k in keys))
    ]
    now = ops.utcnow().to_pydatetime()
    nulls = ", ".join(f"{c} = NULL" for c in CUSTOMER_PII)
    statements: list[tuple[str, dict[str, Any]]] = [
        (
            f'UPDATE "{CUSTOMERS.name}" SET {nulls}, erased_at = :now WHERE customer_id = :c',
            {"c": customer_id, "now": now},
        ),
        (
            f'UPDATE "{ACCOUNTS.name}" SET account_number = NULL, iban = NULL WHERE customer_id = :c',
            {"c": customer_id},
        ),
    ]
    # Payments other customers made to the erased person's accounts name those accounts too.
    statements += [
        (
            f'UPDATE "{TRANSACTIONS.name}" SET counterparty_iban = NULL WHERE counterparty_iban = :i',
            {"i": iban},
        )
        for iban in ibans
    ]
    quarantine_sql = (
        f'UPDATE "{QUARANTINE.name}" SET record = :r '
        "WHERE ds = :ds AND run_id = :run AND row_number = :n AND rule = :rule"
    )
    statements += [
        (
            quarantine_sql,
            {
                "r": _scrub_record(q.record, keys),
                "ds": str(q.ds)[:10],
                "run": q.run_id,
                "n": int(q.row_number),
                "rule": q.rule,
            },
        )
        for q in quarantined.itertuples()
    ]
    audit = ops.audit_frame(
        domain="banking",
        action="erasure",
        ds=ctx.ds,
        run_id=ctx.run_id,
        details={
            "customer_id": customer_id,
            "accounts": accounts,
            "reason": reason,
            "requested_by": requested_by,
        },
    )
    counts = wh.execute_audited(statements, ops.AUDIT, audit)
    result = {
        "customer_id": customer_id,
        "customer_rows": counts[0],
        "account_rows": counts[1],
        "counterparty_rows": sum(counts[2 : 2 + len(ibans)]),
        "quarantine_rows": sum(counts[2 + len(ibans) :]),
        "files": scrub_files(ctx.data_dir, keys),
        # Erased rows differ between the warehouse (pseudonymised) and the files (emptied).
        "loaded_markers_withdrawn": etl.forget_loaded(ctx.data_dir, "banking"),
    }
    ctx.progress(f"erased customer {customer_id}", **{k: v for k, v in result.items() if k != "customer_id"})
    return result


def scrub_files(data_dir: Path, keys: set[str]) -> int:
    """Rewrite the bronze files (and transform's silver hand-off files) holding the person's rows with
    their personal cells emptied, and any cell equal to one of their identifiers (e.g. a payment to
    their IBAN) or quarantined record naming them; returns the number of files changed.

    Bronze is otherwise immutable: an erasure is the one reason to rewrite it. The manifest keeps the
    source's checksum (what was received) and records that the file was altered afterwards.
    """
    changed = 0
    probe = pa.array(sorted(keys), type=pa.string())
    root = Path(data_dir, "banking")
    # A bronze partition is a folder of part files; a hand-off is one file.
    for partition in sorted([*root.glob("bronze*/ds=*/*.parquet"), *root.glob("silver/ds=*/*.parquet")]):
        altered = sum(_scrub_file(path, probe) for path in data_files(partition))
        if altered:
            manifest = partition.with_suffix(".json")
            meta = json.loads(manifest.read_text()) if manifest.exists() else {}
            meta["altered_by_erasure"] = int(meta.get("altered_by_erasure", 0)) + 1
            manifest.write_text(json.dumps(meta, indent=2))
            changed += altered
    return changed


def _scrub_file(path: Path, probe: pa.Array) -> bool:
    """Rewrite one Parquet file with the cells `scrub_files` blanks emptied; whether anything changed."""
    import pyarrow.compute as pc

    table = pq.read_table(path)
    equal = {
        n: pc.fill_null(pc.is_in(pc.utf8_trim_whitespace(table.column(n)), value_set=probe), False)
        for n in table.column_names
        if pa.types.is_string(table.column(n).type) or pa.types.is_large_string(table.column(n).type)
    }
    rows = None
    for n in KEY_COLUMNS:
        if n in equal:
            rows = equal[n] if rows is None else pc.or_(rows, equal[n])
    blanks = {
        n: m if n not in PII_COLUMNS or rows is None else pc.or_(m, rows)
        for n, m in equal.items()
        if n not in ("customer_id", "account_id")
    }
    blanks = {n: m for n, m in blanks.items() if pc.any(m).as_py()}
    if not blanks:
        return False
    columns = {
        n: pc.if_else(blanks[n], pa.scalar(None, pa.string()), table.column(n))
        if n in blanks
        else table.column(n)
        for n in table.column_names
    }
    tmp = path.with_suffix(".erasing")
    pq.write_table(pa.table(columns), tmp, compression="zstd")
    tmp.replace(path)
    return True


def catalogue_frame() -> pd.DataFrame:
    return pd.DataFrame(catalogue())


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m domains.banking.compliance", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("erase", help="GDPR right to erasure for one customer")
    e.add_argument("customer_id")
    e.add_argument("--reason", required=True, help="e.g. the data-subject request reference")
    e.add_argument("--requested-by", required=True, help="who authorised the erasure")
    e.add_argument("--date", default=None, help="date recorded in the audit trail (default: today)")
    r = sub.add_parser("purge", help="apply BANKING_RETENTION_YEARS as of a date")
    r.add_argument("--date", default=None)
    sub.add_parser("catalogue", help="print every banking column with its classification (CSV)")
    args = p.parse_args(argv)
    if args.command == "catalogue":
        catalogue_frame().to_csv(sys.stdout, index=False)
        return 0
    ctx = make_context("banking", args.date or date.today().isoformat())
    if args.command == "purge":
        from domains.banking.settings import get_banking_settings

        print(json.dumps(purge(ctx, get_banking_settings().retention_years)))
        return 0
    try:
        print(json.dumps(erase(ctx, args.customer_id, args.reason, args.requested_by)))
    except ErasureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
