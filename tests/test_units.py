"""Quantities in client files (SPEC, "The client file" > Units)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from generator.format import model
from generator.format.units import (
    EARLIEST,
    LATEST,
    Duration,
    UnitError,
    add_months,
    check_bounds,
    check_date,
    format_duration,
    format_hours,
    parse_duration,
    parse_link_speed,
    parse_size,
    parse_throughput,
    restore_hours,
    transfer_hours,
)

MINUTE, HOUR, DAY = 60, 3600, 86400

# ------------------------------------------------------------------ durations

# Every spelling the SPEC lists, its canonical unit and its length in seconds.
DURATION_SPELLINGS = [
    ("m", "min", MINUTE),
    ("min", "min", MINUTE),
    ("minute", "min", MINUTE),
    ("minutes", "min", MINUTE),
    ("h", "h", HOUR),
    ("hour", "h", HOUR),
    ("hours", "h", HOUR),
    ("d", "d", DAY),
    ("day", "d", DAY),
    ("days", "d", DAY),
    ("w", "w", 7 * DAY),
    ("week", "w", 7 * DAY),
    ("weeks", "w", 7 * DAY),
    ("mo", "mo", 30 * DAY),
    ("month", "mo", 30 * DAY),
    ("months", "mo", 30 * DAY),
    ("y", "y", 365 * DAY),
    ("year", "y", 365 * DAY),
    ("years", "y", 365 * DAY),
]


@pytest.mark.parametrize(("spelling", "canonical", "seconds"), DURATION_SPELLINGS)
@pytest.mark.parametrize("space", ["", " "])
@pytest.mark.parametrize(("number", "value"), [("3", Fraction(3)), ("2.5", Fraction(5, 2))])
def test_every_duration_spelling(
    spelling: str, canonical: str, seconds: int, space: str, number: str, value: Fraction
) -> None:
    duration = parse_duration(f"{number}{space}{spelling}")
    assert duration == Duration(value, canonical)
    assert duration.unit == canonical
    assert duration.seconds == value * seconds
    assert duration.hours == value * seconds / HOUR


@pytest.mark.parametrize(
    ("text", "seconds", "hours"),
    [
        ("4h", 14_400, Fraction(4)),
        ("30 min", 1_800, Fraction(1, 2)),
        ("90d", 7_776_000, Fraction(2160)),
        ("2 w", 1_209_600, Fraction(336)),
        ("1 mo", 2_592_000, Fraction(720)),  # 30 d
        ("12mo", 31_104_000, Fraction(8640)),  # 360 d, not a year
        ("1 y", 31_536_000, Fraction(8760)),  # 365 d
        ("0.5 y", 15_768_000, Fraction(4380)),
        ("1.25 h", 4_500, Fraction(5, 4)),
    ],
)
def test_duration_seconds_and_hours(text: str, seconds: int, hours: Fraction) -> None:
    duration = parse_duration(text)
    assert duration.seconds == seconds
    assert duration.hours == hours


def test_month_is_thirty_days_and_year_is_365_days_in_arithmetic() -> None:
    assert parse_duration("1 mo").seconds == parse_duration("30 d").seconds == 30 * DAY
    assert parse_duration("1 y").seconds == parse_duration("365 d").seconds == 365 * DAY
    assert parse_duration("1 mo").hours == 720
    assert parse_duration("1 y").hours == 8760


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1 mo", dt.date(2026, 1, 31), dt.date(2026, 2, 28)),  # clamped to the month's end
        ("1 mo", dt.date(2028, 1, 31), dt.date(2028, 2, 29)),  # leap year
        ("1 month", dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        ("1mo", dt.date(2026, 12, 15), dt.date(2027, 1, 15)),  # over the year's end
        ("12mo", dt.date(2026, 11, 1), dt.date(2027, 11, 1)),  # a calendar year, not 360 d
        ("14 months", dt.date(2026, 12, 31), dt.date(2028, 2, 29)),
        ("1 y", dt.date(2028, 2, 29), dt.date(2029, 2, 28)),
        ("4 years", dt.date(2028, 2, 29), dt.date(2032, 2, 29)),
        ("1y", dt.date(2026, 3, 2), dt.date(2027, 3, 2)),  # 365 d would also land here
        ("1y", dt.date(2027, 3, 2), dt.date(2028, 3, 2)),  # 365 d would land on 1 Mar 2028
        ("90d", dt.date(2026, 9, 14), dt.date(2026, 12, 13)),
        ("180 days", dt.date(2026, 8, 1), dt.date(2027, 1, 28)),
        ("1 d", dt.date(2028, 2, 28), dt.date(2028, 2, 29)),
        ("1 w", dt.date(2026, 12, 28), dt.date(2027, 1, 4)),
        ("2 weeks", dt.date(2026, 2, 20), dt.date(2026, 3, 6)),
    ],
)
def test_duration_after_date(text: str, start: dt.date, end: dt.date) -> None:
    assert parse_duration(text).after(start) == end


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("4h", "4 h"),
        ("4 hours", "4 h"),
        ("30 minutes", "30 min"),
        ("30m", "30 min"),
        ("90 days", "90 d"),
        ("12 months", "12 mo"),
        ("1 year", "1 y"),
        ("2 weeks", "2 w"),
        ("1.50 mo", "1.5 mo"),
        ("2.0 h", "2 h"),
        ("0.25 d", "0.25 d"),
    ],
)
def test_duration_normalised_text(text: str, normal: str) -> None:
    assert str(parse_duration(text)) == normal


DECIMALS = st.builds(
    lambda whole, fraction: f"{whole}.{fraction}" if fraction else str(whole),
    st.integers(0, 10**7),
    st.one_of(st.just(""), st.from_regex(r"[0-9]{1,4}", fullmatch=True)),
)
DURATION_UNIT_SPELLINGS = st.sampled_from([s for s, _, _ in DURATION_SPELLINGS])


@settings(max_examples=200)
@given(number=DECIMALS, unit=DURATION_UNIT_SPELLINGS, space=st.sampled_from(["", " "]))
@example(number="1234.5678", unit="h", space=" ")  # normalised to "1234.57 h": a different value
@example(number="1000000.5", unit="h", space=" ")  # normalised to "1e+06 h": not even a duration
def test_duration_text_round_trips(number: str, unit: str, space: str) -> None:
    duration = parse_duration(f"{number}{space}{unit}")
    assert duration.number == Fraction(number)
    assert parse_duration(str(duration)) == duration


# ---------------------------------------------------------------------- sizes

SIZE_FACTORS = {
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "PB": 10**15,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
    "TiB": 2**40,
    "PiB": 2**50,
}


@pytest.mark.parametrize(
    ("text", "size_bytes", "normal"),
    [
        ("1 B", 1, "1 B"),
        ("1 KB", 1_000, "1 KB"),
        ("1 MB", 1_000_000, "1 MB"),
        ("420 GB", 420_000_000_000, "420 GB"),
        ("420GB", 420_000_000_000, "420 GB"),
        ("2 TB", 2_000_000_000_000, "2 TB"),
        ("1 PB", 1_000_000_000_000_000, "1 PB"),
        ("1.5 TB", 1_500_000_000_000, "1.5 TB"),
        ("1 KiB", 1_024, "1 KiB"),
        ("0.5KiB", 512, "0.5 KiB"),
        ("1 MiB", 1_048_576, "1 MiB"),
        ("1 GiB", 1_073_741_824, "1 GiB"),
        ("2 TiB", 2_199_023_255_552, "2 TiB"),
        ("1 PiB", 1_125_899_906_842_624, "1 PiB"),
    ],
)
def test_sizes(text: str, size_bytes: int, normal: str) -> None:
    size = parse_size(text)
    assert size.bytes == size_bytes
    assert str(size) == normal


@pytest.mark.parametrize("text", ["500 Gb", "500Gb", "500 gb", "500 kb", "500 b", "1 Tb"])
def test_size_in_bits_is_refused_and_the_message_says_bits(text: str) -> None:
    with pytest.raises(UnitError, match="bits"):
        parse_size(text)


@pytest.mark.parametrize("text", ["500 gB", "500 kB", "500 Kib", "500 KIB", "500 gib", "5 EB"])
def test_size_unit_case_matters(text: str) -> None:
    with pytest.raises(UnitError, match="unknown unit"):
        parse_size(text)


@pytest.mark.parametrize(
    ("text", "bits_per_second", "normal"),
    [
        ("1 bps", 1, "1 bps"),
        ("64 Kbps", 64_000, "64 Kbps"),
        ("200 Mbps", 200_000_000, "200 Mbps"),
        ("200Mbps", 200_000_000, "200 Mbps"),
        ("1 Gbps", 1_000_000_000, "1 Gbps"),
        ("2.5 Gbps", 2_500_000_000, "2.5 Gbps"),
    ],
)
def test_link_speeds(text: str, bits_per_second: int, normal: str) -> None:
    speed = parse_link_speed(text)
    assert speed.bits_per_second == bits_per_second
    assert str(speed) == normal


@pytest.mark.parametrize("text", ["200 MBps", "200MBps", "1 GBps", "100 KBps"])
def test_link_speed_in_bytes_is_refused_and_the_message_says_bits(text: str) -> None:
    with pytest.raises(UnitError, match="bits per second"):
        parse_link_speed(text)


@pytest.mark.parametrize("text", ["200 Mb/s", "200 Mibps", "200 MB", "200", "200 Bps"])
def test_link_speed_other_spellings_refused(text: str) -> None:
    with pytest.raises(UnitError):
        parse_link_speed(text)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("50 mbps", "50 Mbps"),
        ("50 MBPS", "50 Mbps"),
        ("50mBpS", "50 Mbps"),
        ("1 gbps", "1 Gbps"),
        ("64 KBPS", "64 Kbps"),
        ("9600 BPS", "9600 bps"),
    ],
)
def test_link_speed_units_in_any_case(text: str, normal: str) -> None:
    # Link speeds have no bytes to confuse them with, except a capital B before a
    # lower-case ps (MBps: megabytes per second), which stays refused (above).
    speed = parse_link_speed(text)
    assert str(speed) == normal
    assert speed == parse_link_speed(normal)
    assert re.search(TypeAdapter(model.LinkSpeed).json_schema()["pattern"], text)


@pytest.mark.parametrize("text", ["200 MBps", "1 GBps", "100 KBps"])
def test_the_editors_schema_refuses_link_speeds_in_bytes_too(text: str) -> None:
    assert re.search(TypeAdapter(model.LinkSpeed).json_schema()["pattern"], text) is None


@pytest.mark.parametrize("text", ["1 Tbps", "1 Pbps"])
def test_link_speed_units_are_only_those_of_the_spec(text: str) -> None:
    # SPEC: link speeds are bps Kbps Mbps Gbps; the editors' JSON Schema agrees.
    pattern = TypeAdapter(model.LinkSpeed).json_schema()["pattern"]
    assert re.search(pattern, text) is None
    with pytest.raises(UnitError):
        parse_link_speed(text)


@pytest.mark.parametrize(
    ("text", "bytes_per_second", "normal"),
    [
        ("400 GB/h", Fraction(400 * 10**9, 3600), "400 GB/h"),  # 111.1 MB/s
        ("400 GB / h", Fraction(400 * 10**9, 3600), "400 GB/h"),
        ("400GB/h", Fraction(400 * 10**9, 3600), "400 GB/h"),
        ("100 MB/s", 100 * 10**6, "100 MB/s"),
        ("1.5 TiB/h", Fraction(3 * 2**40, 2 * 3600), "1.5 TiB/h"),
    ],
)
def test_throughputs(text: str, bytes_per_second: Fraction, normal: str) -> None:
    rate = parse_throughput(text)
    assert rate.bytes_per_second == bytes_per_second
    assert str(rate) == normal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("400 GB", "not a throughput"),
        ("400 GB/min", "not a throughput"),
        ("400 GB/d", "not a throughput"),
        ("400/h", "write a number and a unit"),
        ("400 Gb/h", "bits"),
        ("400 gB/h", "unknown unit"),
        ("", "not a throughput"),
    ],
)
def test_bad_throughputs(text: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_throughput(text)


# ----------------------------------------------------------------- bad input

PARSERS = {
    "duration": (parse_duration, "4h"),
    "size": (parse_size, "420 GB"),
    "link speed": (parse_link_speed, "200 Mbps"),
}


@pytest.mark.parametrize("kind", PARSERS)
@pytest.mark.parametrize(
    "text", ["", "   ", "4", "12.5", "-4 h", "-420 GB", "-200 Mbps", "h", "GB"]
)
def test_no_number_or_no_unit_or_negative(kind: str, text: str) -> None:
    parse, example_text = PARSERS[kind]
    with pytest.raises(UnitError) as raised:
        parse(text)
    message = str(raised.value)
    assert repr(text) in message  # says what was wrong
    assert f"is not a {kind}" in message
    assert "write a number and a unit" in message
    assert example_text in message  # and how to write it


@pytest.mark.parametrize(
    ("text", "unit"),
    [("4 hours ago", "hours ago"), ("4 parsecs", "parsecs"), ("4 fortnights", "fortnights")],
)
def test_unknown_duration_unit(text: str, unit: str) -> None:
    with pytest.raises(UnitError) as raised:
        parse_duration(text)
    message = str(raised.value)
    assert f"unknown unit {unit!r}" in message
    assert "min, h, d, w, mo or y" in message


def test_unknown_size_and_speed_units_list_the_known_ones() -> None:
    with pytest.raises(UnitError, match="sizes use B, KB, MB, GB, TB, PB or KiB"):
        parse_size("4 parsecs")
    with pytest.raises(UnitError, match="link speeds use bps, Kbps, Mbps or Gbps"):
        parse_link_speed("4 baud")


@pytest.mark.parametrize(
    "text", ["4.h", ".5 h", "4,5 h", "1e3 h", "four hours", "4  h", "4 h 30 min"]
)
def test_other_malformed_durations(text: str) -> None:
    with pytest.raises(UnitError):
        parse_duration(text)


def test_unit_error_is_a_value_error() -> None:
    assert issubclass(UnitError, ValueError)


@pytest.mark.parametrize("kind", PARSERS)
@pytest.mark.parametrize("digits", [25, 5000, 100_000])
def test_a_number_with_too_many_digits_is_out_of_range(kind: str, digits: int) -> None:
    # Python refuses to read an integer of more than 4,300 digits: the limit comes first.
    parse, example_text = PARSERS[kind]
    unit = example_text.lstrip("0123456789 ")
    with pytest.raises(UnitError) as raised:
        parse("9" * digits + " " + unit)
    assert raised.value.kind == "range"
    assert f"has a number of {digits:,} digits" in str(raised.value)
    assert len(str(raised.value)) < 120  # the value is not repeated whole
    assert raised.value.hint
    assert raised.value.hint.startswith(
        f"a {kind} is written with at most 24 digits, like {example_text}"
    )


def test_24_digits_are_read() -> None:
    assert parse_size("0." + "0" * 21 + "1 PB").bytes == Fraction(1, 10**7)


@pytest.mark.parametrize(
    ("text", "parse", "message", "hint"),
    [
        (
            "101 y",
            parse_duration,
            "'101 y' is longer than 100 years",
            "a duration is at most 100 y",
        ),
        ("1201 mo", parse_duration, "'1201 mo' is longer than 100 years", None),
        ("36501d", parse_duration, "'36501d' is longer than 100 years", None),
        ("1001 PB", parse_size, "'1001 PB' is more than 1000 PB", None),
        ("0.5 B", parse_size, "'0.5 B' is less than a byte", None),
        ("10001 Gbps", parse_link_speed, "'10001 Gbps' is faster than 10000 Gbps", None),
        ("0.5 bps", parse_link_speed, "'0.5 bps' is slower than 1 bps", None),
        ("1001 TB/s", parse_throughput, "'1001 TB/s' is faster than 1 PB/s", None),
        ("0.5 B/h", parse_throughput, "'0.5 B/h' is slower than 1 B/h", None),
    ],
)
def test_quantities_beyond_the_bounds(
    text: str, parse: Any, message: str, hint: str | None
) -> None:
    with pytest.raises(UnitError) as raised:
        check_bounds(parse(text), text)
    assert str(raised.value) == message
    assert raised.value.kind == "range"
    if hint:
        assert raised.value.hint == hint


@pytest.mark.parametrize(
    ("text", "parse"),
    [
        ("100 y", parse_duration),
        ("1200 mo", parse_duration),
        ("0 h", parse_duration),
        ("1000 PB", parse_size),
        ("1 B", parse_size),
        ("0 GB", parse_size),  # zero is for each field to judge
        ("10000 Gbps", parse_link_speed),
        ("1 bps", parse_link_speed),
        ("1000 TB/s", parse_throughput),
        ("1 B/h", parse_throughput),
    ],
)
def test_quantities_at_the_bounds(text: str, parse: Any) -> None:
    check_bounds(parse(text), text)


@settings(max_examples=200)
@given(start=st.dates(EARLIEST, LATEST), months=st.integers(0, 1200), days=st.integers(0, 36500))
def test_every_date_plus_every_duration_is_a_date(start: dt.date, months: int, days: int) -> None:
    # The bounds keep all date arithmetic in range: the latest date plus 100 y.
    assert parse_duration(f"{months} mo").after(start) <= dt.date(3100, 1, 1)
    assert parse_duration(f"{days} d").after(start) <= dt.date(3100, 1, 1)


@pytest.mark.parametrize(
    "date", [dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(3000, 1, 1), dt.date(9999, 12, 31)]
)
def test_dates_outside_the_years_tripod_takes(date: dt.date) -> None:
    with pytest.raises(UnitError) as raised:
        check_date(date)
    assert str(raised.value) == f"{date.isoformat()} is outside the years 1900 to 2999"
    assert raised.value.hint == "dates run from 1900-01-01 to 2999-12-31"


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (Fraction(0), "0 h"),
        (Fraction(1, 25), "under 0.1 h"),  # 5 GB over 250 Mbps: some time, not none
        (Fraction(1, 20), "0.1 h"),
        (Fraction(4), "4 h"),
        (Fraction(400, 9), "44.4 h"),  # 2 TB over 100 Mbps
        (Fraction(1, 2), "0.5 h"),
        (Fraction(14, 3), "4.7 h"),
        (Fraction(24), "24 h"),
        (Fraction(143, 2), "71.5 h"),
        (4.0, "4 h"),
        (Fraction(72), "3 d"),
        (Fraction(80), "3 d 8 h"),
        (Fraction(803, 10), "3 d 8 h"),  # 80.3 h: whole hours above 72 h
        (Fraction(96), "4 d"),
        (Fraction(120), "5 d"),
        (Fraction(8760), "365 d"),
    ],
)
def test_format_hours(hours: Fraction | float, text: str) -> None:
    assert format_hours(hours) == text


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        ("4h", "4 h"),
        ("30 min", "0.5 h"),
        ("80 hours", "3 d 8 h"),
        ("1 d", "1 day"),
        ("90d", "90 days"),
        ("1.5 d", "1.5 days"),
        ("1 w", "1 week"),
        ("2 weeks", "2 weeks"),
        ("1 mo", "1 month"),
        ("12mo", "12 months"),
        ("1 y", "1 year"),
        ("3y", "3 years"),
    ],
)
def test_format_duration(duration: str, text: str) -> None:
    assert format_duration(parse_duration(duration)) == text


# ------------------------------------------------------------- arithmetic


def test_two_terabytes_over_100_mbps_is_44_point_4_hours() -> None:
    hours = transfer_hours(parse_size("2 TB"), parse_link_speed("100 Mbps"))
    # 2e12 B * 8 = 1.6e13 bit; / 1e8 bit/s = 160 000 s; / 3600 = 400/9 h
    assert hours == Fraction(400, 9)
    assert format_hours(hours) == "44.4 h"


def test_transfer_and_restore_hours() -> None:
    # 420e9 B * 8 / 200e6 bit/s = 16 800 s = 14/3 h
    assert transfer_hours(parse_size("420 GB"), parse_link_speed("200 Mbps")) == Fraction(14, 3)
    # 420 GB / 400 GB/h = 21/20 h
    assert restore_hours(parse_size("420 GB"), parse_throughput("400 GB/h")) == Fraction(21, 20)
    # 1 GiB over 8 bps: 2**30 s
    assert transfer_hours(parse_size("1 GiB"), parse_link_speed("8 bps")) == Fraction(2**30, 3600)
    # 360 MB / 100 MB/s = 3.6 s = 1/1000 h
    assert restore_hours(parse_size("360 MB"), parse_throughput("100 MB/s")) == Fraction(1, 1000)


# --------------------------------------------------------------- properties

SIZE_UNITS = st.sampled_from(sorted(SIZE_FACTORS))
SPEED_FACTORS = {"bps": 1, "Kbps": 10**3, "Mbps": 10**6, "Gbps": 10**9}


@settings(max_examples=200)
@given(number=DECIMALS, unit=SIZE_UNITS)
def test_size_is_number_times_factor(number: str, unit: str) -> None:
    expected = Fraction(number) * SIZE_FACTORS[unit]
    assert parse_size(f"{number} {unit}").bytes == expected
    assert parse_size(f"{number}{unit}").bytes == expected


@settings(max_examples=100)
@given(number=DECIMALS, unit=st.sampled_from(sorted(SPEED_FACTORS)))
def test_link_speed_is_number_times_factor(number: str, unit: str) -> None:
    expected = Fraction(number) * SPEED_FACTORS[unit]
    assert parse_link_speed(f"{number} {unit}").bits_per_second == expected
    assert parse_link_speed(f"{number}{unit}").bits_per_second == expected


@settings(max_examples=100)
@given(number=DECIMALS, unit=DURATION_UNIT_SPELLINGS)
def test_duration_space_is_optional(number: str, unit: str) -> None:
    assert parse_duration(f"{number}{unit}") == parse_duration(f"{number} {unit}")


@settings(max_examples=100)
@given(
    number=DECIMALS,
    unit=SIZE_UNITS,
    per=st.sampled_from(["h", "s"]),
    spaces=st.sampled_from(["/", " /", "/ ", " / "]),
)
def test_throughput_is_size_per_hour_or_second(
    number: str, unit: str, per: str, spaces: str
) -> None:
    seconds = {"h": 3600, "s": 1}[per]
    rate = parse_throughput(f"{number} {unit}{spaces}{per}")
    assert rate.bytes_per_second == Fraction(number) * SIZE_FACTORS[unit] / seconds


@settings(max_examples=100)
@given(
    amount=st.integers(1, 10**6),
    unit=SIZE_UNITS,
    speed=st.integers(1, 10**5),
    speed_unit=st.sampled_from(sorted(SPEED_FACTORS)),
    k=st.integers(1, 1000),
)
def test_transfer_hours_linear_in_size_inverse_in_speed(
    amount: int, unit: str, speed: int, speed_unit: str, k: int
) -> None:
    size, bigger = parse_size(f"{amount} {unit}"), parse_size(f"{amount * k} {unit}")
    link, faster = (
        parse_link_speed(f"{speed} {speed_unit}"),
        parse_link_speed(f"{speed * k} {speed_unit}"),
    )
    base = transfer_hours(size, link)
    assert base == Fraction(
        amount * SIZE_FACTORS[unit] * 8, speed * SPEED_FACTORS[speed_unit] * 3600
    )
    assert transfer_hours(bigger, link) == k * base
    assert transfer_hours(size, faster) == base / k
    assert transfer_hours(bigger, faster) == base


DATES = st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))


@settings(max_examples=200)
@given(start=DATES, months=st.integers(0, 1200))
def test_add_months_stays_in_the_target_month(start: dt.date, months: int) -> None:
    result = add_months(start, months)
    index = start.year * 12 + start.month - 1 + months
    assert result.year * 12 + result.month - 1 == index  # exactly `months` calendar months on
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day <= last
    assert result.day == min(start.day, last)
    assert parse_duration(f"{months} mo").after(start) == result


@settings(max_examples=200)
@given(start=DATES, years=st.integers(0, 50))
def test_twelve_months_is_one_year(start: dt.date, years: int) -> None:
    assert add_months(start, 12) == parse_duration("1 y").after(start)
    assert add_months(start, 12) == parse_duration("12 mo").after(start)
    assert add_months(start, 12 * years) == parse_duration(f"{years} y").after(start)
    assert parse_duration(f"{years} years").after(start).month == start.month


@settings(max_examples=100)
@given(start=DATES, days=st.integers(0, 5000))
def test_days_and_weeks_are_added_as_days(start: dt.date, days: int) -> None:
    assert parse_duration(f"{days} d").after(start) == start + dt.timedelta(days=days)
    assert parse_duration(f"{days} w").after(start) == start + dt.timedelta(weeks=days)
