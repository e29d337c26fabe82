"""UK identifier checks on published valid examples and on each kind of corruption."""

from __future__ import annotations

import pandas as pd
import pytest

from domains.banking import validators as v

# Published examples: the ECBS/SWIFT registry examples and Wikipedia's GB IBAN.
VALID_IBANS = [
    "GB82WEST12345698765432",
    "GB29NWBK60161331926819",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "CH9300762011623852957",
    "IE29AIBK93115212345678",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "NO9386011117947",
    "gb82 west 1234 5698 7654 32",  # printed format, lower case: normalised first
]


def test_published_ibans_pass_structure_and_mod97() -> None:
    s = pd.Series(VALID_IBANS)
    assert v.iban_structure_valid(s).all()
    assert v.iban_checksum_valid(s).all()


@pytest.mark.parametrize(
    ("iban", "structure_ok"),
    [
        ("GB83WEST12345698765432", True),  # wrong check digits
        ("GB82WEST12345698765423", True),  # two digits transposed
        ("GB82WEST12345698765431", True),  # one digit changed
        ("GB82WEST1234569876543", False),  # one character short for GB
        ("GB82WEST123456987654321", False),  # one too long
        ("XX82WEST12345698765432", False),  # not an IBAN country
        ("GB82-WEST-1234", False),  # punctuation
        ("GB82WÉST12345698765432", False),  # non-ASCII letter
        ("", False),
        (None, False),
    ],
)
def test_each_corruption_is_rejected(iban: str | None, structure_ok: bool) -> None:
    s = pd.Series([iban], dtype=object)
    assert bool(v.iban_structure_valid(s)[0]) is structure_ok
    assert not v.iban_checksum_valid(s)[0]


def test_generated_ibans_are_valid_and_match_their_account() -> None:
    ibans = v.gb_ibans("NWBK", pd.Series(["60-16-13", "40-47-84"]), pd.Series(["31926819", "12345678"]))
    assert ibans.iloc[0] == "GB29NWBK60161331926819"  # reproduces the published example
    assert v.iban_checksum_valid(ibans).all()
    match = v.gb_iban_matches(
        ibans, pd.Series(["60-16-13", "40-47-84"]), pd.Series(["31926819", "12345678"]), "NWBK"
    )
    assert match.all()


def test_iban_disagreeing_with_sort_code_account_or_bank_is_caught() -> None:
    iban = pd.Series(["GB29NWBK60161331926819"] * 4)
    sort = pd.Series(["60-16-13", "60-16-14", "60-16-13", "60-16-13"])
    account = pd.Series(["31926819", "31926819", "31926818", "31926819"])
    assert v.gb_iban_matches(iban, sort, account, "NWBK").tolist() == [True, False, False, True]
    assert v.gb_iban_matches(iban, sort, account, "BARC").tolist() == [False] * 4
    # A foreign IBAN has no UK sort code to agree with.
    assert v.gb_iban_matches(pd.Series(["DE89370400440532013000"]), pd.Series(["60-16-13"]), None, None)[0]


def test_sort_codes_account_numbers_and_currencies() -> None:
    codes = pd.Series(["40-47-84", "404784", "4O-47-84", "40-47-8", " 40-47-84 ", None])
    assert v.sort_code_valid(codes).tolist() == [
        True, False, False, False, True, False
    ]  # fmt: skip
    assert v.account_number_valid(pd.Series(["12345678", "1234567", "123456789", "1234567a"])).tolist() == [
        True, False, False, False
    ]  # fmt: skip
    assert v.currency_valid(pd.Series(["GBP", "EUR", "gbp", "GPB", "EURO", "£", None])).tolist() == [
        True, True, False, False, False, False, False
    ]  # fmt: skip


def test_mod97_runs_vectorised_on_a_day_of_counterparties() -> None:
    s = pd.Series(VALID_IBANS[:-1] * 20_000 + ["GB83WEST12345698765432"])
    ok = v.iban_checksum_valid(s)
    assert ok[:-1].all() and not ok[-1]


def test_arrow_backed_chunked_columns_are_checked_like_plain_ones() -> None:
    import pyarrow as pa

    chunks = pa.chunked_array([VALID_IBANS[:3], ["GB83WEST12345698765432", *VALID_IBANS[3:6]]])
    s = pd.Series(pd.arrays.ArrowStringArray(chunks))
    assert v.iban_checksum_valid(s).tolist() == [True, True, True, False, True, True, True]
