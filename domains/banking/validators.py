"""UK account identifiers checked at transaction volume: sort codes, account numbers, IBAN structure and
ISO 13616 MOD-97 check digits, a GB IBAN's agreement with its account, and ISO 4217 currency codes.

Every check takes a whole column and returns a boolean array, so 100,000+ rows cost milliseconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SORT_CODE = r"\d{2}-\d{2}-\d{2}"
ACCOUNT_NUMBER = r"\d{8}"

# IBAN length per country (SWIFT IBAN registry). A country missing here is not an IBAN country.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
    "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IR": 26, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
IBAN_MAX = 34

# Active ISO 4217 alphabetic codes (funds and precious-metal codes excluded: not payment currencies).
ISO_4217: frozenset[str] = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
    NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG""".split()  # noqa: SIM905 (the standard's own layout)
)


_ISO_4217 = pa.array(sorted(ISO_4217), type=pa.string())


def _text(values: pd.Series) -> pd.Series:
    return values.astype("str").str.strip()


def _full(values: pd.Series, pattern: str) -> np.ndarray:
    return _text(values).str.fullmatch(pattern).fillna(False).to_numpy(bool)


def sort_code_valid(values: pd.Series) -> np.ndarray:
    """`NN-NN-NN`, as printed on UK statements."""
    return _full(values, SORT_CODE)


def account_number_valid(values: pd.Series) -> np.ndarray:
    """Eight digits (shorter legacy numbers must be zero-padded by the source)."""
    return _full(values, ACCOUNT_NUMBER)


def currency_valid(values: pd.Series | pa.Array) -> np.ndarray:
    """An active ISO 4217 code, upper case as the standard writes it."""
    if isinstance(values, pa.Array):
        text = pc.utf8_trim_whitespace(values)
    else:
        text = pa.array(_text(values), type=pa.string(), from_pandas=True)
    return pc.fill_null(pc.is_in(text, value_set=_ISO_4217), False).to_numpy(zero_copy_only=False)


def normalise_iban(values: pd.Series) -> pd.Series:
    """Electronic format: no spaces, upper case (the printed format groups by four with spaces)."""
    return pd.Series(_arrow_iban(values).to_pandas(), index=values.index, dtype="str")


def _arrow_iban(values: pd.Series | pa.Array) -> pa.Array:
    text = (
        values
        if isinstance(values, pa.Array)
        else pa.array(values.astype("str"), type=pa.string(), from_pandas=True)
    )
    if isinstance(text, pa.ChunkedArray):  # Arrow-backed columns (read from CSV/Parquet) come chunked
        text = text.combine_chunks()
    return pc.utf8_upper(pc.replace_substring(text, " ", ""))


_COUNTRIES = pa.array(list(IBAN_LENGTHS))
_LENGTHS = pa.array(list(IBAN_LENGTHS.values()), type=pa.int64())


def _structure(iban: pa.Array) -> np.ndarray:
    shape = pc.fill_null(pc.match_substring_regex(iban, r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$"), False)
    expected = pc.take(_LENGTHS, pc.index_in(pc.utf8_slice_codeunits(iban, 0, 2), value_set=_COUNTRIES))
    right_length = pc.fill_null(pc.equal(pc.utf8_length(iban), expected), False)
    return pc.and_(shape, right_length).to_numpy(zero_copy_only=False)


def iban_structure_valid(values: pd.Series | pa.Array) -> np.ndarray:
    """Country code, two check digits, alphanumeric BBAN, and the length that country uses."""
    return _structure(_arrow_iban(values))


# Per byte: its MOD-97 value (digits 0-9, letters 10-35) and how far it shifts the running number.
_VALUE = np.zeros(256, dtype=np.int32)
_SCALE = np.ones(256, dtype=np.int32)
_VALUE[48:58], _SCALE[48:58] = np.arange(10), 10
_VALUE[65:91], _SCALE[65:91] = np.arange(10, 36), 100


def iban_checksum_valid(values: pd.Series | pa.Array) -> np.ndarray:
    """ISO 13616 MOD-97-10: move the first four characters to the end, letters to 10..35, mod 97 == 1.

    Runs column-wise over a fixed-width byte matrix: 34 vector steps, whatever the row count. Rows
    that are not structurally IBANs are False.
    """
    iban = _arrow_iban(values)
    ok = _structure(iban)
    out = np.zeros(len(values), dtype=bool)
    if not ok.any():
        return out
    out[ok] = _remainders(iban.filter(pa.array(ok))) == 1
    return out


def _remainders(ibans: pa.Array) -> np.ndarray:
    """MOD-97 of each rearranged IBAN; every value must be ASCII alphanumeric (checked by the caller)."""
    # Pure ASCII padded to 34 characters: one fixed-width byte matrix, one contiguous row per position.
    padded = pc.utf8_rpad(ibans, width=IBAN_MAX, padding=" ")
    offsets = np.frombuffer(padded.buffers()[1], dtype=np.int32)[
        padded.offset : padded.offset + len(padded) + 1
    ]
    data = np.frombuffer(padded.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    codes = np.ascontiguousarray(data.reshape(-1, IBAN_MAX).T)
    remainder = np.zeros(codes.shape[1], dtype=np.int32)
    # Rearranged order: BBAN first, then country and check digits; padding contributes nothing.
    for col in [*range(4, IBAN_MAX), 0, 1, 2, 3]:
        c = codes[col]
        remainder = (remainder * _SCALE[c] + _VALUE[c]) % 97
    return remainder


def make_ibans(country: str, bbans: pd.Series) -> pd.Series:
    """IBANs for many BBANs of one country: the check digits that make each MOD-97 remainder 1."""
    zeroed = pa.array((country + "00" + bbans.astype("str")).tolist(), type=pa.string())
    check = pd.Series(98 - _remainders(zeroed), index=bbans.index).map("{:02d}".format)
    return country + check + bbans.astype("str")


def make_iban(country: str, bban: str) -> str:
    return str(make_ibans(country, pd.Series([bban])).iloc[0])


def gb_ibans(bank_code: str, sort_codes: pd.Series, account_numbers: pd.Series) -> pd.Series:
    """The GB IBAN of each UK account: GBkk + bank code + sort code digits + account number."""
    return make_ibans(
        "GB", bank_code + sort_codes.astype("str").str.replace("-", "") + account_numbers.astype("str")
    )


def gb_iban(bank_code: str, sort_code: str, account_number: str) -> str:
    return str(gb_ibans(bank_code, pd.Series([sort_code]), pd.Series([account_number])).iloc[0])


def gb_iban_matches(
    ibans: pd.Series, sort_codes: pd.Series, account_numbers: pd.Series | None, bank_code: str | None
) -> np.ndarray:
    """A GB IBAN carries the account's sort code (and account number, and bank code when given).

    Non-GB IBANs are not compared (True): a foreign account has no UK sort code to agree with.
    """
    s = normalise_iban(ibans)
    gb = s.str.startswith("GB").fillna(False).to_numpy(bool)
    same = (s.str.slice(8, 14) == _text(sort_codes).str.replace("-", "", regex=False)).fillna(False)
    if account_numbers is not None:
        same &= (s.str.slice(14, 22) == _text(account_numbers)).fillna(False)
    if bank_code is not None:
        same &= (s.str.slice(4, 8) == bank_code).fillna(False)
    return ~gb | same.to_numpy(bool)
