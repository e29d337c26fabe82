"""Warehouse I/O: atomic partition replacement and typed reads; PostgreSQL bulk I/O via binary COPY."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from domains.core.logs import get_logger

if TYPE_CHECKING:
    from domains.core.pg_copy import Stream

log = get_logger(__name__)

# Logical column types, mapped once to SQL, Arrow and pandas.
_SQL_TYPES: dict[str, Any] = {
    "str": sa.Text,
    "int": sa.BigInteger,
    "float": sa.Float(precision=53),
    "bool": sa.Boolean,
    "datetime": sa.DateTime,
    "date": sa.Date,
    "json": sa.Text,
}
_ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "datetime": pa.timestamp("us"),
    "date": pa.string(),
    "json": pa.string(),
}


class WarehouseError(RuntimeError):
    """A warehouse operation failed; nothing of it was committed."""


@dataclass(frozen=True)
class Staged:
    """Rows already COPYed into an unattached PostgreSQL table, waiting to become a date's partition."""

    table: str
    num_rows: int


@dataclass(frozen=True, eq=False)  # hashed by identity: tables key the frames to load
class TableDef:
    """A warehouse table: ordered columns with logical types, partitioned by `ds` unless said otherwise."""

    name: str
    columns: Mapping[str, str]
    partition_key: str | None = "ds"
    indexes: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        unknown = {c: t for c, t in self.columns.items() if t not in _SQL_TYPES}
        if unknown:
            raise ValueError(f"{self.name}: unknown column types {unknown}")
        if self.partition_key and self.partition_key not in self.columns:
            raise ValueError(f"{self.name}: partition key {self.partition_key!r} is not a column")

    def sa_table(self, metadata: sa.MetaData, postgres: bool = False) -> sa.Table:
        cols = [sa.Column(name, _SQL_TYPES[kind]) for name, kind in self.columns.items()]
        idx = list(self.indexes)
        if postgres and self.partition_key:
            # One physical partition per date: replacing a date is TRUNCATE + COPY, not a 500k-row
            # DELETE, and reads of a date range touch only its partitions (no index on ds needed).
            table = sa.Table(
                self.name, metadata, *cols, postgresql_partition_by=f'LIST ("{self.partition_key}")'
            )
        else:
            table = sa.Table(self.name, metadata, *cols)
            if self.partition_key:
                idx.insert(0, (self.partition_key,))
        for i, columns in enumerate(idx):
            sa.Index(f"ix_{self.name}_{i}", *[table.c[c] for c in columns])
        return table


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever the URL's scheme spells, so COPY is available."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(url: str) -> Engine:
    """One pooled engine per URL per process."""
    url = normalise_url(url)
    with _ENGINES_LOCK:
        if url not in _ENGINES:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
                engine = sa.create_engine(url, connect_args={"timeout": 60})

                @sa.event.listens_for(engine, "connect")
                def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
                    cur = dbapi_conn.cursor()
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA synchronous=NORMAL")
                    cur.close()

            else:
                engine = sa.create_engine(url, pool_pre_ping=True)
            _ENGINES[url] = engine
        return _ENGINES[url]


_KNOWN_TABLES: dict[str, tuple[set[str], set[str]]] = {}


def dispose_engines() -> None:
    """Close every pooled connection and forget the tables seen (tests drop databases afterwards)."""
    _KNOWN_TABLES.clear()
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


_STAGED_NAME = re.compile(r"[a-z0-9_]{1,63}")

# Up to this many rows an INSERT on a pooled connection is quicker than opening a new one for COPY.
SMALL_WRITE_ROWS = 2_000


def _ds(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


class Warehouse:
    """The warehouse behind one SQLAlchemy URL: SQLite by default, PostgreSQL in production."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = get_engine(self.url)
        # Shared by every Warehouse on this URL in the process: each stage builds its own Warehouse, and
        # the platform never drops a table (dispose_engines forgets them, for tests that drop databases).
        self._ensured, self._seen = _KNOWN_TABLES.setdefault(self.url, (set(), set()))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def __repr__(self) -> str:
        return f"Warehouse({self.engine.url.render_as_string(hide_password=True)})"

    # ---------------------------------------------------------------- schema
    def ensure(self, *tables: TableDef) -> None:
        """Create missing tables and their indexes (checkfirst), once per process."""
        pending = [t for t in tables if t.name not in self._ensured]
        if not pending:
            return
        metadata = sa.MetaData()
        for t in pending:
            t.sa_table(metadata, postgres=self.is_postgres)
        metadata.create_all(self.engine, checkfirst=True)
        if self.is_postgres:
            with self.engine.begin() as conn:
                for t in pending:
                    if self._is_partitioned(conn, t.name):
                        # Rows appended for a date without its own partition land here.
                        default = f'"{t.name}__default" PARTITION OF "{t.name}" DEFAULT'
                        conn.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {default}"))
        self._ensured.update(t.name for t in pending)

    @staticmethod
    def _is_partitioned(conn: Connection, name: str) -> bool:
        # Tables created before partitioning (plain heap tables) keep working through DELETE.
        kind = conn.execute(
            sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:n)"), {"n": f'"{name}"'}
        ).scalar()
        return kind == "p"

    def _date_partitions(
        self, ds: str, wanted: Mapping[TableDef, bool]
    ) -> dict[TableDef, tuple[str, bool] | None]:
        """Each table's partition of `ds` and whether it is itself partitioned (it holds swappable
        leaves), created where missing (`wanted[table]`: nested or not), in one short transaction of
        its own; None for a table that is not partitioned.

        A nested date partition is `PARTITION BY LIST (ds)` with one leaf: replacing the date attaches
        a new leaf and drops the old, which locks only this date, like TRUNCATE does.
        """
        found: dict[TableDef, tuple[str, bool] | None] = {}
        with self.engine.begin() as conn:
            for table, nested in wanted.items():
                found[table] = self._date_partition(conn, table, ds, nested)
        return found

    def _date_partition(
        self, conn: Connection, table: TableDef, ds: str, nested: bool
    ) -> tuple[str, bool] | None:
        if not self._is_partitioned(conn, table.name):
            return None
        name = _date_partition_name(table, ds)
        kind_sql = sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:n)")
        kind = conn.execute(kind_sql, {"n": f'"{name}"'}).scalar()
        if kind is None:
            sub = f' PARTITION BY LIST ("{table.partition_key}")' if nested else ""
            try:
                with conn.begin_nested():
                    conn.execute(
                        sa.text(
                            f'CREATE TABLE "{name}" PARTITION OF "{table.name}" FOR VALUES IN (\'{ds}\'){sub}'
                        )
                    )
                kind = "p" if nested else "r"
            except sa.exc.ProgrammingError as exc:  # a concurrent load created it first
                if "already exists" not in str(exc):
                    raise
                kind = conn.execute(kind_sql, {"n": f'"{name}"'}).scalar()
        return name, kind == "p"

    def has_table(self, name: str) -> bool:
        # Tables are never dropped by the platform: once seen, skip the catalogue query (the APIs
        # read on every request).
        if name in self._ensured or name in self._seen:
            return True
        found = sa.inspect(self.engine).has_table(name)
        if found:
            self._seen.add(name)
        return found

    # ---------------------------------------------------------------- writes
    def replace_partition(
        self,
        ds: date | str,
        frames: Mapping[TableDef, pd.DataFrame | pa.Table | Staged],
        extra: Iterable[tuple[TableDef, pd.DataFrame]] = (),
    ) -> dict[str, int]:
        """Replace `ds` in every table and append `extra` rows (audit) in ONE transaction.

        Either every table holds exactly the new partition afterwards, or nothing changed. A `Staged`
        value (PostgreSQL, from `stage`) is attached as the date's partition instead of being copied.
        """
        ds = date.fromisoformat(_ds(ds)).isoformat()  # validated: it is inlined into SQL below
        extra = list(extra)
        self.ensure(*frames, *(t for t, _ in extra))
        for table, frame in frames.items():
            if not table.partition_key:
                raise WarehouseError(f"{table.name} has no partition key to replace")
            if isinstance(frame, Staged) and not self.is_postgres:
                raise WarehouseError(f"{table.name}: staged rows exist only on PostgreSQL")
        try:
            if self.is_postgres:
                return self._replace_postgres(ds, frames, extra)
            written: dict[str, int] = {}
            with self.engine.begin() as conn:
                for table, frame in frames.items():
                    conn.execute(
                        sa.text(f'DELETE FROM "{table.name}" WHERE "{table.partition_key}" = :ds'),
                        {"ds": ds},
                    )
                    written[table.name] = self._insert(conn, table, _pandas(frame))
                for table, frame in extra:
                    self._insert(conn, table, _pandas(frame))
            return written
        except WarehouseError:
            raise
        except Exception as exc:  # the transaction has rolled back; say which partition failed
            raise WarehouseError(f"loading partition ds={ds} failed and was rolled back: {exc}") from exc

    def _replace_postgres(
        self,
        ds: str,
        frames: Mapping[TableDef, pd.DataFrame | pa.Table | Staged],
        extra: list[tuple[TableDef, pd.DataFrame | pa.Table]],
    ) -> dict[str, int]:
        """Swap in staged leaves, or empty the date's partitions and binary COPY, plus the extra rows,
        in ONE transaction."""
        from domains.core import pg_bulk

        written: dict[str, int] = {}
        partitions = self._date_partitions(ds, {t: isinstance(f, Staged) for t, f in frames.items()})
        with pg_bulk.connect(self.engine) as conn:
            with conn.cursor() as cur:
                for table, frame in frames.items():
                    # Two concurrent loads of one date would both empty, then both insert: serialise them.
                    cur.execute(f"SELECT pg_advisory_xact_lock(hashtext('{table.name}/{ds}'))")
                    found = partitions[table]
                    if found and found[1]:  # nested: a new leaf replaces the old one
                        if isinstance(frame, Staged):
                            _check_staged(cur, frame)
                            leaf, written[table.name] = frame.table, frame.num_rows
                        else:
                            leaf = _leaf_name(table, ds)
                            _create_leaf(cur, table, ds, leaf)
                            written[table.name] = pg_bulk.ingest(cur, table, frame, into=leaf)
                            _index_leaf(cur, table, leaf)
                        _swap_leaf(cur, table, ds, found[0], leaf)
                        continue
                    target = found[0] if found else table.name
                    if found:  # TRUNCATE is transactional in PostgreSQL: a rollback restores the rows
                        cur.execute(f'TRUNCATE "{target}"')
                    else:
                        cur.execute(f'DELETE FROM "{target}" WHERE "{table.partition_key}" = \'{ds}\'')
                    if isinstance(frame, Staged):  # a date partition from before staging: copy server-side
                        _check_staged(cur, frame)
                        cur.execute(f'INSERT INTO "{target}" SELECT * FROM "{frame.table}"')
                        written[table.name] = frame.num_rows
                        _drop_strays(cur, table, ds, target, keep="")
                    else:
                        written[table.name] = pg_bulk.ingest(cur, table, frame, into=target)
                for table, frame in extra:
                    pg_bulk.ingest(cur, table, frame)
            conn.commit()  # leaving the block without it rolls everything back
        return written

    # ---------------------------------------------------------------- staging
    def stage(
        self, table: TableDef, ds: date | str, frame: pd.DataFrame | pa.Table | Stream
    ) -> Staged | None:
        """COPY `frame` into a new table shaped like `ds`'s partition of `table`, unattached (no reader
        sees it), committed with its indexes; `replace_partition` later attaches it in one short
        transaction. None where staging does not apply (SQLite, an unpartitioned table): load copies then.

        The transform stage calls this on a background thread, so the server ingests silver while the
        client runs the batch's expectations and writes its hand-off, on the other core.
        """
        if not self.is_postgres:
            return None
        from domains.core import pg_bulk, pg_copy

        ds = date.fromisoformat(_ds(ds)).isoformat()
        self.ensure(table)
        with self.engine.connect() as conn:
            if not self._is_partitioned(conn, table.name):
                return None
        leaf = _leaf_name(table, ds)
        constants = frame.constants if isinstance(frame, pg_copy.Stream) else {}
        with pg_bulk.connect(self.engine) as conn:
            with conn.cursor() as cur:
                _create_leaf(cur, table, ds, leaf)
                _set_defaults(cur, leaf, constants)
                rows = pg_bulk.ingest(cur, table, frame, into=leaf)
                # Only this COPY may fill them in: the attached partition keeps no defaults of its own.
                _set_defaults(cur, leaf, dict.fromkeys(constants))
                _index_leaf(cur, table, leaf)
            conn.commit()
        return Staged(leaf, rows)

    def staged(self, name: str, rows: int) -> Staged | None:
        """The staged table `name` (of `rows` rows) if it still waits unattached, else None.

        Its rows were committed in the one transaction that created it, under a name no other staging
        takes, so it exists whole or not at all: no need to count them again.
        """
        if not self.is_postgres:
            return None
        with self.engine.connect() as conn:
            waiting = conn.execute(sa.text(_waiting_sql(name))).scalar()
        return Staged(name, rows) if waiting else None

    def discard(self, staged: Staged) -> None:
        """Drop a staged table that will not be loaded (its transform failed)."""
        with self.engine.begin() as conn:
            if conn.execute(sa.text(_waiting_sql(staged.table))).scalar():
                conn.execute(sa.text(f'DROP TABLE "{staged.table}"'))

    def append(self, table: TableDef, frame: pd.DataFrame) -> int:
        """Append rows in one transaction (ops history tables)."""
        self.ensure(table)
        if self.is_postgres and len(frame) > SMALL_WRITE_ROWS:
            from domains.core import pg_bulk

            with pg_bulk.connect(self.engine) as conn:
                with conn.cursor() as cur:
                    n = pg_bulk.ingest(cur, table, conform(frame, table))
                conn.commit()
            return n
        with self.engine.begin() as conn:
            return self._insert(conn, table, frame)

    def replace_rows(
        self, table: TableDef, where: str, params: Mapping[str, Any], frame: pd.DataFrame
    ) -> int:
        """Delete the rows matching `where` and append `frame` in ONE transaction: a re-run's ops records
        (quality results, drift, scans) replace the earlier ones, and a failure keeps the earlier ones."""
        self.ensure(table)
        with self.engine.begin() as conn:
            conn.execute(sa.text(f'DELETE FROM "{table.name}" WHERE {where}'), dict(params))
            return self._insert(conn, table, frame)

    def execute_audited(
        self, statements: Iterable[tuple[str, Mapping[str, Any]]], audit_table: TableDef, audit: pd.DataFrame
    ) -> list[int]:
        """Run `statements` and append the audit rows in ONE transaction (purges, erasures); returns the
        number of rows each statement touched. A failure rolls back the changes and their audit alike."""
        self.ensure(audit_table)
        with self.engine.begin() as conn:
            counts = [int(conn.execute(sa.text(sql), dict(params)).rowcount) for sql, params in statements]
            if len(audit):
                _insert_records(conn, audit_table, conform(audit, audit_table))
        return counts

    def _insert(self, conn: Connection, table: TableDef, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        frame = conform(frame, table)
        if self.is_postgres:
            _insert_records(conn, table, frame)
        else:
            _executemany_into(conn, table, frame)
        return len(frame)

    # ---------------------------------------------------------------- reads
    def read_sql(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.text(sql), conn, params=dict(params or {}))

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), dict(params or {})).scalar()

    def read_table(
        self,
        table: TableDef,
        columns: list[str] | None = None,
        where: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Read typed columns; PostgreSQL returns Arrow through ADBC (~40x faster than read_sql)."""
        columns = list(columns or table.columns)
        if not self.has_table(table.name):
            return _empty_frame(table, columns)
        col_sql = ", ".join(f'"{c}"' for c in columns)
        sql = f'SELECT {col_sql} FROM "{table.name}"' + (f" WHERE {where}" if where else "")
        if self.is_postgres:
            from domains.core import pg_bulk

            return frame_from_arrow(pg_bulk.read_arrow(self.engine, sql, params or {}), table, columns)
        return _typed(self.read_sql(sql, params), table, columns)

    def count(self, table: TableDef, ds: date | str | None = None) -> int:
        if not self.has_table(table.name):
            return 0
        if ds is None:
            return int(self.scalar(f'SELECT COUNT(*) FROM "{table.name}"'))
        return int(
            self.scalar(
                f'SELECT COUNT(*) FROM "{table.name}" WHERE "{table.partition_key}" = :ds', {"ds": _ds(ds)}
            )
        )


# -------------------------------------------------------------------- partitions
def _date_partition_name(table: TableDef, ds: str) -> str:
    return f"{table.name}__{ds.replace('-', '')}"


def _leaf_prefix(table: TableDef, ds: str) -> str:
    """What every leaf and staging of one table and date is called before its random suffix: the date
    partition's name while it fits PostgreSQL's 63-byte identifiers, else with a stable hash of the name."""
    if len(table.name) > 41:
        short = f"{table.name[:32]}_{hashlib.sha256(table.name.encode()).hexdigest()[:8]}"
        return f"{short}__{ds.replace('-', '')}"
    return _date_partition_name(table, ds)


def _leaf_name(table: TableDef, ds: str) -> str:
    # The random suffix keeps concurrent stagings of one date apart.
    return f"{_leaf_prefix(table, ds)}_{uuid.uuid4().hex[:8]}"


def _create_leaf(cur: Any, table: TableDef, ds: str, leaf: str) -> None:
    # The CHECK proves the partition constraint, so ATTACH skips its validating scan of every row.
    key = table.partition_key
    cur.execute(
        f'CREATE TABLE "{leaf}" (LIKE "{table.name}" INCLUDING DEFAULTS, '
        f'CHECK ("{key}" IS NOT NULL AND "{key}" = \'{ds}\'))'
    )


def _set_defaults(cur: Any, leaf: str, defaults: Mapping[str, Any]) -> None:
    """Set (or, for None, drop) column defaults of a staging table, in one statement."""
    if not defaults:
        return
    from psycopg import sql

    actions = [
        sql.SQL("ALTER COLUMN {} DROP DEFAULT").format(sql.Identifier(name))
        if value is None
        else sql.SQL("ALTER COLUMN {} SET DEFAULT {}").format(sql.Identifier(name), sql.Literal(value))
        for name, value in defaults.items()
    ]
    cur.execute(sql.SQL("ALTER TABLE {} ").format(sql.Identifier(leaf)) + sql.SQL(", ").join(actions))


def _index_leaf(cur: Any, table: TableDef, leaf: str) -> None:
    # Built once after the COPY (a sort) rather than maintained row by row; ATTACH adopts matching
    # indexes instead of building its own under the lock.
    for columns in table.indexes:
        cols = ", ".join(f'"{c}"' for c in columns)
        cur.execute(f'CREATE INDEX ON "{leaf}" ({cols})')


def _waiting_sql(name: str) -> str:
    """SQL that is true while the table `name` exists and is nobody's partition (a staging)."""
    if not _STAGED_NAME.fullmatch(name):  # it is inlined below, and it may come back from XCom
        raise WarehouseError(f"not a staged table name: {name!r}")
    ref = f"to_regclass('\"{name}\"')"
    return f"SELECT {ref} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = {ref})"


def _check_staged(cur: Any, staged: Staged) -> None:
    cur.execute(_waiting_sql(staged.table))
    if not cur.fetchone()[0]:
        raise WarehouseError(f"staged table {staged.table} is gone or already attached")


def _drop_strays(cur: Any, table: TableDef, ds: str, partition: str, keep: str) -> None:
    """Drop the date's current leaves and the stagings failed runs left behind, all but `keep`."""
    prefix = _leaf_prefix(table, ds).replace("_", r"\_")
    cur.execute(
        "SELECT c.relname FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid "
        f"WHERE c.relkind = 'r' AND c.relname <> '{keep}' AND ("
        f"i.inhparent = to_regclass('\"{partition}\"') "
        f"OR (i.inhrelid IS NULL AND c.relname LIKE '{prefix}\\_%' AND c.relnamespace = "
        f"(SELECT relnamespace FROM pg_class WHERE oid = to_regclass('\"{table.name}\"'))))"
    )
    for (old,) in cur.fetchall():
        cur.execute(f'DROP TABLE "{old}"')


def _swap_leaf(cur: Any, table: TableDef, ds: str, partition: str, leaf: str) -> None:
    """Replace the date's leaf with `leaf` (attached without a scan, thanks to its CHECK)."""
    _drop_strays(cur, table, ds, partition, keep=leaf)
    cur.execute(f'ALTER TABLE "{partition}" ATTACH PARTITION "{leaf}" FOR VALUES IN (\'{ds}\')')


# -------------------------------------------------------------------- helpers
def conform(frame: pd.DataFrame, table: TableDef) -> pd.DataFrame:
    """Select the table's columns in order, failing clearly on a missing one."""
    missing = [c for c in table.columns if c not in frame.columns]
    if missing:
        raise WarehouseError(f"{table.name}: frame lacks columns {missing}")
    frame = frame[list(table.columns)]
    # SQLite would store 'abc' in a BIGINT column; refuse it on every backend alike.
    for name, kind in table.columns.items():
        if kind in ("int", "float") and not pd.api.types.is_numeric_dtype(frame[name]):
            try:
                frame = frame.assign(**{name: pd.to_numeric(frame[name], errors="raise")})
            except (ValueError, TypeError) as exc:
                raise WarehouseError(f"{table.name}.{name}: non-numeric values: {exc}") from exc
    return frame


def _plain(value: Any) -> Any:
    """A driver-ready Python value (no pandas scalars)."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _insert_records(conn: Connection, table: TableDef, frame: pd.DataFrame) -> None:
    """INSERT a few rows on a pooled connection (a bulk COPY would first open a connection of its own)."""
    frame = frame.astype(object)
    frame = frame.where(frame.notna(), None)
    for name, kind in table.columns.items():
        if kind == "json":
            frame[name] = frame[name].map(
                lambda v: v if isinstance(v, str) or v is None else json.dumps(v, default=str)
            )
    names = ", ".join(f'"{c}"' for c in table.columns)
    # Plain bound parameters: typed processors would refuse ISO date text that both backends accept.
    marks = ", ".join(":" + c for c in table.columns)
    insert = sa.text(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})')
    conn.execute(insert, [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict("records")])


def _is_stringy(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or s.dtype == object


def _executemany_into(conn: Connection, table: TableDef, frame: pd.DataFrame) -> None:
    cols = []
    for name, kind in table.columns.items():
        s = frame[name]
        if kind == "datetime":
            s = pd.to_datetime(s).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        elif kind == "date":
            s = s if _is_stringy(s) else pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif kind == "json":
            s = s.map(lambda v: v if isinstance(v, str) or v is None else json.dumps(v, default=str))
        elif kind == "bool":
            s = s.astype("Int64")
        values = s.astype(object).to_numpy(copy=True)
        values[pd.isna(values)] = None
        cols.append(values)
    rows = list(zip(*cols, strict=True))
    names = ", ".join(f'"{c}"' for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)


def frame_from_arrow(data: pa.Table, table: TableDef, columns: list[str]) -> pd.DataFrame:
    """Arrow rows of `table` as `read_table` returns them (same dtypes, whatever the Arrow source)."""
    return _typed(_arrow_to_pandas(data), table, columns)


def _arrow_to_pandas(data: pa.Table) -> pd.DataFrame:
    # Dates come back as date32; the frames downstream carry ISO strings, as SQLite gives them.
    for i, f in enumerate(data.schema):
        if pa.types.is_date(f.type):
            data = data.set_column(
                i, f.name, pc.strftime(pc.cast(data.column(i), pa.timestamp("s")), "%Y-%m-%d")
            )
    frame = data.to_pandas()
    for f in data.schema:
        # Integers with nulls come back as float64, which rounds values beyond 2**53: keep them exact.
        if pa.types.is_integer(f.type) and data.column(f.name).null_count:
            frame[f.name] = data.column(f.name).to_pandas(types_mapper={f.type: pd.Int64Dtype()}.get)
    return frame


def _pandas(frame: pd.DataFrame | pa.Table) -> pd.DataFrame:
    return frame.to_pandas() if isinstance(frame, pa.Table) else frame


def _empty_frame(table: TableDef, columns: list[str]) -> pd.DataFrame:
    return _typed(pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}), table, columns)


def _typed(frame: pd.DataFrame, table: TableDef, columns: list[str]) -> pd.DataFrame:
    out = {}
    for c in columns:
        kind, s = table.columns[c], frame[c]
        if kind == "int":
            s = pd.to_numeric(s).astype("Int64") if s.isna().any() else pd.to_numeric(s).astype("int64")
        elif kind == "float":
            s = pd.to_numeric(s).astype("float64")
        elif kind == "bool":
            s = s.map({True: True, False: False, "t": True, "f": False}).astype("boolean")
        elif kind == "datetime":
            s = pd.to_datetime(s)
        elif kind == "date":
            s = s.astype(str).str.slice(0, 10) if len(s) else s.astype("str")
        else:
            s = s.astype("str") if not s.isna().any() else s
        out[c] = s
    return pd.DataFrame(out, index=np.arange(len(frame)))


def in_clause(column: str, values: Iterable[Any], prefix: str = "v") -> tuple[str, dict[str, Any]]:
    """`"column" IN (:v0, :v1, ...)` with its bound parameters (never values inlined into SQL)."""
    params = {f"{prefix}{i}": v for i, v in enumerate(values)}
    if not params:
        return "1 = 0", {}
    return f'"{column}" IN ({", ".join(":" + k for k in params)})', params
