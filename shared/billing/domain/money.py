"""Exact money: Decimal from strings, one rounding rule.

Rule: every line item is rounded once, to the currency's minor unit (ISO 4217 exponent),
with ROUND_HALF_UP. Totals are sums of already-rounded lines, so they never need rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from billing.domain.errors import InvalidInput
from billing.domain.exact import MAX_MONEY, ROUNDING, bounded, fractional_digits

# ISO 4217 minor-unit exponents that differ from the usual 2. Anything not listed has 2.
_MINOR_UNIT_EXCEPTIONS = {
    # zero-decimal
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # three-decimal
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # four-decimal
    "CLF": 4,
    "UYW": 4,
}

# ISO 4217 active codes (funds codes included), so a typo such as "UDS" is refused instead of billed.
_ISO_4217_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL
    SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
    VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
_ISO_4217 = frozenset(_ISO_4217_CODES.split())

ZERO = Decimal(0)


def minor_unit_exponent(currency: str) -> int:
    return _MINOR_UNIT_EXCEPTIONS.get(currency.upper(), 2)


def check_currency(code: object, *, field: str = "currency") -> str:
    """An ISO 4217 code in upper case, or InvalidInput naming the field."""
    if not isinstance(code, str) or code not in _ISO_4217:
        raise InvalidInput(f"{field} must be an ISO 4217 currency code such as USD, not {code!r}", field=field)
    return code


def check_minor_units(amount: Decimal, currency: str, *, field: str) -> Decimal:
    """Refuse an amount finer than the currency's minor unit (25.001 USD, 10.5 JPY): it could not be paid,
    or outside the bounds of credits and minimums (0 <= amount < 10^12 major units)."""
    places = minor_unit_exponent(currency)
    if amount.is_finite() and fractional_digits(amount) > places:
        raise InvalidInput(f"{field} has more than {places} decimal places for {currency}", field=field)
    return bounded(amount, field=field, below=MAX_MONEY, places=places)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up (0.005 USD -> 0.01)."""
    quantum = Decimal(1).scaleb(-minor_unit_exponent(currency))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP, context=ROUNDING)


def format_money(amount: Decimal, currency: str) -> str:
    """The JSON form of an amount: a decimal string with exactly the currency's decimals."""
    return str(round_money(amount, currency))


def parse_decimal(value: object, *, field: str) -> Decimal:
    """A Decimal from a string or int (or a Decimal); floats are refused because they are inexact."""
    if isinstance(value, bool | float):
        raise InvalidInput(f"{field} must be a decimal string or integer, not {type(value).__name__}", field=field)
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InvalidInput(f"{field} is not a decimal number: {value!r}", field=field) from None
    if not result.is_finite():
        raise InvalidInput(f"{field} must be a finite number", field=field)
    return result
