"""Personal data in the examples: detection (counts by type, masked examples) and redaction.

Each detector finds candidates with a pattern and keeps only those a validator accepts: payment cards pass the
Luhn check (and start like a card number), IBANs their mod-97 checksum, US social security numbers and UK NHS
numbers their official rules (python-stdnum), phone numbers Google's libphonenumber (phonenumbers), IP
addresses Python's ipaddress. Person names are not detected: the offline detectors that can (spaCy or
transformers NER models) are not installable from a package registry here; see the README's privacy section.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from stdnum import iban, luhn
from stdnum.gb import nhs
from stdnum.us import ssn

KINDS = ("email", "phone", "card", "iban", "ip", "national_id")


@dataclass(frozen=True)
class Match:
    kind: str
    start: int
    end: int
    text: str


EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
NHS = re.compile(r"\b\d{3} \d{3} \d{4}\b")


def _pattern(kind: str, pattern: re.Pattern, valid: Callable[[str], bool]):
    def detect(text: str) -> list[Match]:
        return [Match(kind, m.start(), m.end(), m.group()) for m in pattern.finditer(text) if valid(m.group())]

    return detect


def _card(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 13 <= len(digits) <= 19 and digits[0] in "3456" and luhn.is_valid(digits)


def _iban(text: str) -> bool:
    return iban.is_valid(text)


def _ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (address.version == 6 and text.count(":") < 3)  # "10:30" and "a:b:c" are not addresses


def _ssn(text: str) -> bool:
    return ssn.is_valid(text)


def _nhs(text: str) -> bool:
    return nhs.is_valid(text)


def _phones(text: str, region: str = "US") -> list[Match]:
    found = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    return [Match("phone", m.start, m.end, m.raw_string) for m in found]


DETECTORS: list[Callable[[str], list[Match]]] = [
    _pattern("email", EMAIL, lambda _: True),
    _pattern("iban", IBAN, _iban),
    _pattern("card", CARD, _card),
    _pattern("national_id", SSN, _ssn),
    _pattern("national_id", NHS, _nhs),
    _pattern("ip", IPV4, _ip),
    _pattern("ip", IPV6, _ip),
    _phones,
]


def find_pii(text: str) -> list[Match]:
    """Every match, overlaps resolved in favour of the earlier detector in DETECTORS (the stricter check)."""
    chosen: list[Match] = []
    for detect in DETECTORS:
        for match in detect(text):
            if all(match.end <= c.start or match.start >= c.end for c in chosen):
                chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def redact(text: str) -> str:
    """Each match replaced by a typed placeholder: ``<EMAIL>``, ``<PHONE>``, ``<CARD>``, ..."""
    for match in reversed(find_pii(text)):
        text = f"{text[: match.start]}<{match.kind.upper()}>{text[match.end :]}"
    return text


def mask(value: str) -> str:
    """Enough to recognise a match in a report, not enough to recover it: ``jane@x.org`` -> ``j*******rg``."""
    return value[0] + "*" * max(len(value) - 3, 1) + value[-2:] if len(value) > 4 else "*" * len(value)


def privacy_report(parts: dict[str, list]) -> dict:
    """Matches per split and type, with up to three masked examples per type and where they are."""
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    for split, items in parts.items():
        for item in items:
            for match in find_pii(item.input) + find_pii(item.target):
                counts[split][match.kind] += 1
                if len(examples[match.kind]) < 3:
                    examples[match.kind].append(f"{mask(match.text)} ({item.origin.rsplit('/', 1)[-1]})")
    return {"counts": {split: dict(c) for split, c in counts.items()}, "examples": dict(examples)}
