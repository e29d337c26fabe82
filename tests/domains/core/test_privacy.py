"""The shared de-identification pieces: pseudonyms, Safe Harbor generalisation, redaction, k-anonymity
and the leak scanner, on generated identifiers (property tests) and on known cases."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domains.core import privacy

ssns = st.builds(
    "{:03d}-{:02d}-{:04d}".format,
    st.integers(1, 899),
    st.integers(1, 99),
    st.integers(1, 9999),
)
phones = st.builds(
    "({}) {}-{:04d}".format, st.integers(201, 989), st.integers(200, 989), st.integers(0, 9999)
)
emails = st.builds(
    "{}.{}@{}.com".format,
    st.from_regex(r"[a-z]{2,10}", fullmatch=True),
    st.from_regex(r"[a-z]{2,10}", fullmatch=True),
    st.from_regex(r"[a-z]{3,8}", fullmatch=True),
)
mrns = st.builds("MRN{:08d}".format, st.integers(0, 99_999_999))
dates = st.dates(
    min_value=pd.Timestamp("1920-01-01").date(), max_value=pd.Timestamp("2030-12-31").date()
).map(lambda d: d.isoformat())
names = st.from_regex(r"[A-Z][a-z]{3,9}", fullmatch=True)


def test_pseudonyms_are_stable_keyed_and_namespaced() -> None:
    values = pd.Series(["8222157", "8222194", "8222157", None])
    a = privacy.pseudonymise(values, "secret-a", "healthcare.patient")
    again = privacy.pseudonymise(values, "secret-a", "healthcare.patient")
    assert a.tolist() == again.tolist()
    assert a[0] == a[2] and a[0] != a[1] and pd.isna(a[3])
    assert privacy.pseudonymise(values, "secret-b", "healthcare.patient")[0] != a[0]
    assert privacy.pseudonymise(values, "secret-a", "hr.employee")[0] != a[0]
    assert all(len(t) == 24 and "8222157" not in t for t in a[:3])


@given(
    key=st.binary(min_size=0, max_size=200),
    messages=st.lists(st.binary(max_size=300), max_size=5),
)
def test_batched_hmac_equals_the_standard_library(key: bytes, messages: list[bytes]) -> None:
    # Keys longer than SHA-256's 64-byte block are hashed first (RFC 2104): both branches are drawn.
    expected = [hmac.new(key, m, hashlib.sha256).hexdigest() for m in messages]
    assert privacy.hmac_sha256_hex(key, messages) == expected


def test_pseudonyms_are_the_keyed_hmac_of_namespace_and_value() -> None:
    token = privacy.pseudonymise(pd.Series(["4000123412341234"]), "k" * 100, "fraud")[0]
    assert token == hmac.new(b"k" * 100, b"fraud\x1f4000123412341234", hashlib.sha256).hexdigest()[:24]


@given(st.lists(st.from_regex(r"\d{5}", fullmatch=True), min_size=1, max_size=30))
def test_zip3_keeps_three_digits_and_zeroes_restricted_prefixes(zips: list[str]) -> None:
    out = privacy.zip3(pd.Series(zips))
    for raw, z in zip(zips, out, strict=True):
        assert z == ("000" if raw[:3] in privacy.RESTRICTED_ZIP3 else raw[:3])


def test_zip3_of_known_restricted_and_invalid_values() -> None:
    assert privacy.zip3(pd.Series(["03601", "82301-1234", "10023", "1002", None, "abcde"])).tolist()[:3] == [
        "000",
        "000",
        "100",
    ]
    assert privacy.zip3(pd.Series(["1002", None, "abcde"])).isna().all()


def test_ages_over_89_are_grouped() -> None:
    ages = pd.Series([34.9, 89.99, 90.0, 104.0, np.nan])
    assert privacy.cap_age(ages)[:4].tolist() == [34, 89, 90, 90]
    assert privacy.age_band(ages).tolist()[:4] == ["[30-40)", "[80-90)", "90+", "90+"]
    assert pd.isna(privacy.age_band(ages)[4])


@settings(max_examples=60, deadline=None)
@given(ssn=ssns, phone=phones, email=emails, mrn=mrns, day=dates, first=names, last=names)
def test_redaction_removes_every_planted_identifier(
    ssn: str, phone: str, email: str, mrn: str, day: str, first: str, last: str
) -> None:
    text = (
        f"Patient {first} {last} (SSN {ssn}, {mrn}) born {day} asked us to call {phone} "
        f"or write to {email}; see https://portal.example.org/{last}"
    )
    redacted, hits = privacy.redact_text(pd.Series([text]), {first, last})
    out = redacted[0]
    for planted in (ssn, phone, email, mrn, day, first, last):
        assert planted not in out, (planted, out)
    assert hits[0] >= 7
    assert privacy.PhiScanner(known_names=frozenset({first, last})).scan_frame("t", redacted.to_frame()).clean


@settings(max_examples=40, deadline=None)
@given(ssn=ssns, phone=phones, email=emails, mrn=mrns, day=dates, first=names)
def test_scanner_finds_each_planted_kind(
    ssn: str, phone: str, email: str, mrn: str, day: str, first: str
) -> None:
    frame = pd.DataFrame(
        {
            "a": ["fine", ssn],
            "b": [phone, "x"],
            "c": [email, None],
            "d": [mrn, "y"],
            "e": [day, "z"],
            "f": [f"seen by {first} today", "ok"],
            "n": [1, 2],
        }
    )
    found = privacy.PhiScanner(known_names=frozenset({first})).scan_frame("t", frame).findings
    kinds = {(f.column, f.kind) for f in found}
    assert {
        ("a", "ssn"),
        ("b", "phone"),
        ("c", "email"),
        ("d", "medical_record_number"),
        ("e", "full_date"),
        ("f", "known_name"),
    } <= kinds
    assert all(f.example != f.kind and ssn not in f.example and email not in f.example for f in found)


def test_scanner_ignores_system_columns_and_flags_datetime_columns() -> None:
    frame = pd.DataFrame(
        {
            "ds": ["2026-11-19"],
            "run_id": ["scheduled__2026-11-19T00:00:00"],
            "admission_ts": pd.to_datetime(["2026-11-12"]),
            "zip3": ["100"],
            "checked_at": pd.to_datetime(["2026-11-19 01:00"]),
            "patient_key": ["6bb9fe8f3037814963d0b889"],
        }
    )
    found = privacy.PhiScanner().scan_frame("t", frame).findings
    assert [(f.column, f.kind) for f in found] == [("admission_ts", "full_date")]


def test_scanner_reads_api_records_and_log_files(tmp_path: Path) -> None:
    scanner = privacy.PhiScanner(known_names=frozenset({"Dorothy"}))
    scanner.scan_records("api", [{"risk": 0.2, "note": "call 555-867-5309"}, {"risk": 0.1}])
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "transform.log").write_text(
        json.dumps(
            {
                "ts": "2026-11-19T01:00:00",
                "msg": "loaded partition ds=2026-11-19",
                "api": "http://127.0.0.1:9",
            }
        )
        + "\n"
        + json.dumps({"msg": "bad row for Dorothy, dorothy@example.com"})
        + "\n"
    )
    scanner.scan_log_dir("logs", logs)
    kinds = {(f.place, f.kind) for f in scanner.findings}
    # Dates, URLs and IPs in logs belong to the run; names and contact details never do.
    assert kinds == {("api", "phone"), ("logs/transform.log", "known_name"), ("logs/transform.log", "email")}
    with pytest.raises(privacy.PrivacyLeakError, match="phone"):
        scanner.raise_if_found("test")


def test_k_anonymity_withholds_small_groups() -> None:
    groups = pd.DataFrame({"g": ["a", "b", "c"], "n": [5, 4, 12]})
    published, withheld = privacy.k_anonymous(groups, "n", 5)
    assert published["g"].tolist() == ["a", "c"] and withheld == 1
