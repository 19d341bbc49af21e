"""Quantities in client files: durations, sizes, link speeds, throughputs.

One grammar for every field: a number (integer or decimal), optional space, a
unit. Values are kept as exact fractions of a base unit (seconds, bytes,
bits per second, bytes per second) so that the recovery arithmetic can be
checked by hand; each value also keeps a normalised text ("4 h", "420 GB")
used wherever it is shown or written into agreement terms.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

_NUMBER = r"(?P<number>[0-9]+(?:\.[0-9]+)?)"

_MINUTE = 60
_HOUR = 3600
_DAY = 24 * _HOUR

# canonical unit -> (seconds, spellings)
_DURATION_UNITS: dict[str, tuple[int, tuple[str, ...]]] = {
    "min": (_MINUTE, ("m", "min", "mins", "minute", "minutes")),
    "h": (_HOUR, ("h", "hr", "hrs", "hour", "hours")),
    "d": (_DAY, ("d", "day", "days")),
    "w": (7 * _DAY, ("w", "wk", "week", "weeks")),
    "mo": (30 * _DAY, ("mo", "month", "months")),
    "y": (365 * _DAY, ("y", "yr", "year", "years")),
}
_DURATION_SPELLING = {
    spelling: canonical
    for canonical, (_, spellings) in _DURATION_UNITS.items()
    for spelling in spellings
}

_DECIMAL_PREFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15}
_BINARY_PREFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50}
_SIZE_UNITS = {f"{p}B": f for p, f in (_DECIMAL_PREFIXES | _BINARY_PREFIXES).items()}
_SPEED_UNITS = {f"{p}bps": f for p, f in _DECIMAL_PREFIXES.items() if p in ("", "K", "M", "G")}
_SPEED_SPELLING = {unit.lower(): unit for unit in _SPEED_UNITS}
_PER = {"h": _HOUR, "s": 1}


MAX_DIGITS = 24
"""The longest number a quantity is written with: more digits are a mistake, and
Python refuses to read integers of more than 4,300 digits anyway."""


class UnitError(ValueError):
    """A quantity that does not follow the grammar (`kind` "unit") or that lies
    outside the values Tripod takes (`kind` "range"); the message says what is
    wrong and the hint, where there is one, what to write."""

    def __init__(self, message: str, hint: str | None = None, kind: str = "unit") -> None:
        super().__init__(message)
        self.hint = hint
        self.kind = kind


def shown(text: str, limit: int = 40) -> str:
    """A value as a message quotes it: the start of a long one, and its length."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def _split(text: str, kind: str, example: str) -> tuple[Fraction, str, str]:
    match = re.fullmatch(_NUMBER + r" ?(?P<unit>[A-Za-z/ ]*[A-Za-z])", text.strip())
    if match is None:
        hint = f"a {kind} is never negative" if text.strip().startswith("-") else None
        raise UnitError(
            f"{shown(text)} is not a {kind}: write a number and a unit, like {example}", hint
        )
    number = match["number"]
    if len(number) > MAX_DIGITS:
        raise UnitError(
            f"{shown(text)} has a number of {len(number):,} digits",
            f"a {kind} is written with at most {MAX_DIGITS} digits, like {example}",
            "range",
        )
    return Fraction(number), number, match["unit"]


def _plain(number: Fraction) -> str:
    """A fraction as the shortest decimal text that states it exactly enough."""
    if number.denominator == 1:
        return str(number.numerator)
    # Parsed from decimal text, so the decimal expansion is finite: print all of it.
    with localcontext() as context:
        context.prec = 100
        exact = Decimal(number.numerator) / Decimal(number.denominator)
    return format(exact.normalize(), "f")


@dataclass(frozen=True, slots=True)
class Duration:
    """A span of time. `seconds` uses 1 mo = 30 d and 1 y = 365 d."""

    number: Fraction
    unit: str  # canonical: min h d w mo y

    @property
    def seconds(self) -> Fraction:
        return self.number * _DURATION_UNITS[self.unit][0]

    @property
    def hours(self) -> Fraction:
        return self.seconds / _HOUR

    def after(self, start: dt.date) -> dt.date:
        """The date this long after `start`; months and years on the calendar."""
        if self.unit in ("mo", "y") and self.number.denominator == 1:
            months = int(self.number) * (12 if self.unit == "y" else 1)
            return add_months(start, months)
        return start + dt.timedelta(days=int(self.seconds // _DAY))

    def __str__(self) -> str:
        return f"{_plain(self.number)} {self.unit}"


@dataclass(frozen=True, slots=True)
class Size:
    """An amount of data in bytes."""

    bytes: Fraction
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class LinkSpeed:
    """A network link's speed in bits per second."""

    bits_per_second: Fraction
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Throughput:
    """A restore rate in bytes per second."""

    bytes_per_second: Fraction
    text: str

    def __str__(self) -> str:
        return self.text


def parse_duration(text: str) -> Duration:
    number, _, unit = _split(text, "duration", "4h, 2 days or 12mo")
    canonical = _DURATION_SPELLING.get(unit)
    if canonical is None:
        raise UnitError(
            f"{shown(text)}: unknown unit {unit!r}; durations use min, h, d, w, mo or y (4h, 2 days, 12mo)"
        )
    return Duration(number, canonical)


def parse_size(text: str) -> Size:
    number, digits, unit = _split(text, "size", "420 GB or 2 TB")
    factor = _SIZE_UNITS.get(unit)
    if factor is None:
        hint = "; a lower-case b means bits: sizes are in bytes (B)" if unit.endswith("b") else ""
        raise UnitError(
            f"{shown(text)}: unknown unit {unit!r}; sizes use B, KB, MB, GB, TB, PB "
            f"or KiB, MiB, GiB, TiB, PiB{hint}"
        )
    return Size(number * factor, f"{digits} {unit}")


def parse_link_speed(text: str) -> LinkSpeed:
    """A link speed; its unit in any case (`50 mbps`, `1 GBPS`), except a capital B
    before a lower-case ps (`50 MBps`), which means bytes per second."""
    number, digits, unit = _split(text, "link speed", "200 Mbps")
    canonical = _SPEED_SPELLING.get(unit.lower())
    if canonical is None or unit.endswith("Bps"):
        hint = "; link speeds are in bits per second" if "B" in unit else ""
        raise UnitError(
            f"{shown(text)}: unknown unit {unit!r}; link speeds use bps, Kbps, Mbps or Gbps{hint}"
        )
    return LinkSpeed(number * _SPEED_UNITS[canonical], f"{digits} {canonical}")


def parse_throughput(text: str) -> Throughput:
    match = re.fullmatch(r"(?P<size>.+?)\s*/\s*(?P<per>[A-Za-z]+)", text.strip())
    if match is None or match["per"] not in _PER:
        raise UnitError(
            f"{shown(text)} is not a throughput: write a size per hour or second, like 400 GB/h"
        )
    try:
        size = parse_size(match["size"])
    except UnitError as e:
        if e.kind != "unit":
            message = str(e).replace(shown(match["size"]), shown(text), 1)
            raise UnitError(message, e.hint, e.kind) from None
        raise UnitError(f"{shown(text)}: {str(e).split(': ', 1)[1]}", e.hint) from None
    return Throughput(size.bytes / _PER[match["per"]], f"{size.text}/{match['per']}")


# ------------------------------------------------------------------ bounds

# What Tripod takes: wider than any client needs, narrow enough that every sum,
# quotient and date worked out from the values stays in range (the latest date
# plus the longest duration is still a date; the largest size over the slowest
# link is a finite number of hours that prints in a few digits).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
MAX_DURATION = Duration(Fraction(100), "y")
MAX_BYTES = Fraction(10**18)  # 1000 PB, an exabyte
MAX_BITS_PER_SECOND = Fraction(10**13)  # 10000 Gbps
MAX_BYTES_PER_SECOND = Fraction(10**15)  # 1 PB/s


def check_bounds(value: Duration | Size | LinkSpeed | Throughput, text: str) -> None:
    """Raises a UnitError of kind "range" when a quantity, written as `text`, is
    larger (or, other than zero, smaller) than any Tripod takes."""
    problem: tuple[str, str] | None = None
    if isinstance(value, Duration):
        months = {"mo": 1, "y": 12}.get(value.unit)
        if (
            value.number * months > 1200  # on the calendar, as a schedule is added to a date
            if months
            else value.seconds > MAX_DURATION.seconds
        ):
            problem = "is longer than 100 years", "a duration is at most 100 y"
    elif isinstance(value, Size):
        if value.bytes > MAX_BYTES:
            problem = "is more than 1000 PB", "a size is at most 1000 PB (an exabyte)"
        elif 0 < value.bytes < 1:
            problem = "is less than a byte", "a size is a byte or more, like 420 GB"
    elif isinstance(value, LinkSpeed):
        if value.bits_per_second > MAX_BITS_PER_SECOND:
            problem = "is faster than 10000 Gbps", "a link speed is at most 10000 Gbps"
        elif 0 < value.bits_per_second < 1:
            problem = "is slower than 1 bps", "a link speed is 1 bps or more, like 200 Mbps"
    elif value.bytes_per_second > MAX_BYTES_PER_SECOND:
        problem = "is faster than 1 PB/s", "a throughput is at most 1 PB/s"
    elif 0 < value.bytes_per_second * _HOUR < 1:
        problem = "is slower than 1 B/h", "a throughput is 1 B/h or more, like 400 GB/h"
    if problem is not None:
        raise UnitError(f"{shown(text)} {problem[0]}", problem[1], "range")


def check_date(date: dt.date) -> None:
    """Raises a UnitError of kind "range" for a date outside the years Tripod takes."""
    if not EARLIEST <= date <= LATEST:
        raise UnitError(
            f"{date.isoformat()} is outside the years {EARLIEST.year} to {LATEST.year}",
            f"dates run from {EARLIEST.isoformat()} to {LATEST.isoformat()}",
            "range",
        )


def add_months(start: dt.date, months: int) -> dt.date:
    """Calendar months later, clamped to the month's last day (31 Jan + 1 mo = 28 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(
        year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1])
    )


def transfer_hours(size: Size, speed: LinkSpeed) -> Fraction:
    """Hours to move `size` over a link of `speed`, exactly."""
    return size.bytes * 8 / speed.bits_per_second / _HOUR


def restore_hours(size: Size, rate: Throughput) -> Fraction:
    return size.bytes / rate.bytes_per_second / _HOUR


def format_bytes(size: Fraction | int | float) -> str:
    """A size in decimal units, as the files write them: "640 GB", "1.2 TB", "0 B"."""
    value = Fraction(size)
    for unit, factor in (
        ("PB", 10**15),
        ("TB", 10**12),
        ("GB", 10**9),
        ("MB", 10**6),
        ("KB", 10**3),
    ):
        if value >= factor:
            return f"{float(value / factor):.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(value)} B"


def format_hours(hours: Fraction | float) -> str:
    """Hours with one decimal below 72 h, else days and hours: '44.4 h', '3 d 8 h'.
    Some time that rounds to nothing is 'under 0.1 h', never '0 h'."""
    value = Fraction(hours)
    if 0 < value < Fraction(1, 20):
        return "under 0.1 h"
    if value < 72:
        text = f"{float(value):.1f}"
        return f"{text.removesuffix('.0')} h"
    whole = int(value + Fraction(1, 2))  # half up: 72.5 h is 3 d 1 h
    days, rest = divmod(whole, 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


def format_duration(duration: Duration) -> str:
    """A duration as written for people: schedules keep their unit, spans use hours."""
    if duration.unit in ("d", "w", "mo", "y"):
        number = _plain(duration.number)
        names = {"d": "day", "w": "week", "mo": "month", "y": "year"}
        name = names[duration.unit] + ("" if duration.number == 1 else "s")
        return f"{number} {name}"
    return format_hours(duration.hours)
