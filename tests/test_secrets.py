"""Secrets in client files: what the scan finds, what it leaves alone, and what it costs.

The scan runs on every value of every file, and a long value once took a minute
to check: each case here pins a finding, an absence of one, or a bound on work
that does not depend on the machine (no clock).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, TinyProject, with_change
from generator.format import load, secrets
from generator.format.secrets import _PATTERNS, _RULES, looks_like_secret, might_hold_secret, redact

PIECES = st.sampled_from(
    [
        "AKIA",
        "ABCDEFGHIJKLMNOP",
        "password",
        "Password",
        "pwd",
        "=",
        ": ",
        " is ",
        " / ",
        "login",
        "Tr0ub4dor!",
        "hunter2",
        "https://",
        "user:pass@",
        "host",
        "-----BEGIN ",
        "PRIVATE KEY-----",
        "token",
        "api_key",
        "AccountKey=",
        "abcdefghijklmnopqrstuvwxyz0123",
        "eyJ",
        ".",
        " ",
        "from the manager",
        "ghp_",
        "x" * 36,
        "xoxb-",
        "sk_live_",
        "AIza",
        "123456-",
        "correct horse battery staple",
    ]
)


@settings(max_examples=500)
@given(st.lists(PIECES, max_size=8).map("".join))
def test_the_patterns_name_what_they_find_first(text: str) -> None:
    expected = next((what for what, pattern in _PATTERNS if pattern.search(text)), None)
    found = looks_like_secret(text)
    if expected is not None:
        assert found == expected
    if found is not None:
        assert "[redacted]" in redact(text)
    # A value without a clue is passed over: anything the scan finds must show one.
    if next(secrets._hits(text), None) is not None:
        assert might_hold_secret(text)


@pytest.mark.parametrize("rule", _RULES, ids=[what for what, _, _ in _RULES])
@settings(max_examples=50)
@given(data=st.data())
def test_every_match_holds_one_of_its_clues(
    rule: tuple[str, re.Pattern[str], tuple[str, ...]], data: st.DataObject
) -> None:
    # A file without any clue is passed over whole: a match without its clue would be missed.
    _, pattern, clues = rule
    text = data.draw(st.from_regex(_without_possessives(pattern)))
    assert pattern.search(text)
    assert might_hold_secret(text)
    assert not clues or any(clue in text.casefold() for clue in clues)


def _without_possessives(pattern: re.Pattern[str]) -> re.Pattern[str]:
    # hypothesis draws from the same language; it does not read `{m,n}+`.
    return re.compile(re.sub(r"(\}|\*|\+)\+", r"\1", pattern.pattern), pattern.flags)


def test_a_clean_text_holds_no_clue() -> None:
    assert not might_hold_secret("Nightly image to the NAS, 14 days kept; restore tested in March.")
    assert might_hold_secret("the pasSword: Tr0ub4dor!")
    assert might_hold_secret("AccountKEY=abc")
    assert might_hold_secret("key 123456-234567-345678-456789-567890-678901-789012-890123")


# ------------------------------------------------------------ secrets in prose

# What an engineer writes in a notes field, and what the finding calls it.
SECRETS = [
    ("NAS admin password is Quill2026!", "a password", "Quill2026!"),
    ("Backup encryption passphrase: correct horse battery staple", "a passphrase", "horse battery"),
    ("pwd: Quill2026!", "a password", "Quill2026!"),
    ("admin pw Quill2026!", "a password", "Quill2026!"),
    ("admin pw: Qu1ll-Backup", "a password", "Qu1ll-Backup"),
    ("login user / Qu1ll!Backup#2026", "a login and password", "Qu1ll!Backup#2026"),
    ("creds backup/Qu1ll!Backup#2026 for the NAS", "a login and password", "Qu1ll!Backup#2026"),
    (
        "BitLocker recovery key 404096-118833-567358-263747-016962-373692-593802-709621",
        "a BitLocker recovery key",
        "709621",
    ),
    ("The password for the NAS admin: Quill2026!", "a password", "Quill2026!"),
    ("Alarm passcode: 4821", "a password", "4821"),
    ("The passphrase is correct horse battery staple", "a passphrase", "horse battery"),
    ("Password is: Quill2026!", "a password", "Quill2026!"),
    ("password for Maria's laptop is Quill2026!", "a password", "Quill2026!"),
    ("Password (NAS): Quill2026!", "a password", "Quill2026!"),
    ('NAS password "Quill2026!"', "a password", "Quill2026!"),
    # Caught before, still caught.
    ("password=hunter2", "a password or key assignment", "hunter2"),
    ("Password: Tr0ub4dor!", "a password", "Tr0ub4dor!"),
    ("key AKIAIOSFODNN7EXAMPLE", "an AWS access key id", "AKIAIOSFODNN7EXAMPLE"),
    ("smb://backup:hunter2@nas.local/share", "a URL with a password", "hunter2"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key block", "OPENSSH"),
]

# Ordinary prose about passwords, as the example clients and providers' notes have it.
PROSE = [
    "Passwords are kept in the provider's vault",
    "password manager: Bitwarden",
    "The admin password is rotated every 90 days",
    "reset the password via the portal",
    "password: from the practice manager",
    "password is in the vault",
    "Password policy: 12 characters minimum",
    "Password: see Bitwarden entry 'NAS admin'",
    "Passwords: kept in IT Glue",
    "2FA-protected password, 90-day rotation",
    "Login via https://portal.example/login",
    "Username / password: see the vault",
    "Password: Maria Chen knows it",
    "Password: Maria Chen holds",
    "User / Admin guide v2",
    "The pass is valid until 2027",
    "password changed: 2024",
    "The password is never written down.",
    "pw reset by the service desk",
    "Synology DS920+ admin password is on the label",
    "password length: 14",
    "Password: ********",
    "login user / see Bitwarden",
    "Office 365 passwords expire every 90 days.",
    "Staff use their Microsoft 365 password for the VPN",
    "Password-protected PDF sent monthly",
    "BitLocker recovery keys are escrowed to Entra ID",
    "Call 0400 123 456 or 02-5550-0101",
    "Passphrase: printed and sealed in the safe",
    "Pass the restore test by 2026-01-01",
    "Restic repository password held by the provider, never by the client",
    "User accounts: 14 staff, one shared reception login",
    "The password for the NAS is kept in the vault",
    "password for staff is rotated every 90 days",
    "Backup password hint: my dog's name",
    "Encryption password: 32 random characters, stored in Bitwarden",
    "The NAS password is the same as the server's.",
    "Domain admin password expires 2026-12-31",
    "passphrase: 6 random words, in the vault",
    "Wi-Fi: guest network, password on the reception desk card",
    "User / Group: Staff / Office-2026",
    "ssh key passphrase: none",
    "Password for the Synology: see IT Glue",
    "Admin password: held by the provider only",
]


@pytest.mark.parametrize(("text", "what", "secret"), SECRETS, ids=[s for s, _, _ in SECRETS])
def test_a_secret_in_prose_is_found(text: str, what: str, secret: str) -> None:
    assert looks_like_secret(text) == what
    assert secret not in redact(text)
    assert might_hold_secret(text)


@pytest.mark.parametrize("text", PROSE)
def test_words_about_a_password_are_not_a_secret(text: str) -> None:
    assert looks_like_secret(text) is None
    assert redact(text) == text


@pytest.mark.parametrize("path", sorted((REPO / "clients").glob("*.yaml")), ids=lambda p: p.name)
def test_the_example_clients_hold_no_secret(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "_may_flag", lambda _: True)  # every value scanned
    problems = load.read_yaml(path.read_bytes(), f"clients/{path.name}")[2]
    assert [p.text() for p in problems if p.code == "secret-like-value"] == []


@pytest.mark.parametrize(
    ("text", "what", "secret"),
    [SECRETS[0], SECRETS[1], SECRETS[5], SECRETS[7]],
    ids=["password-is", "passphrase", "login", "bitlocker"],
)
def test_check_names_the_secret_and_no_output_repeats_it(
    tiny: TinyProject, text: str, what: str, secret: str
) -> None:
    tiny.client(with_change("communications: SMS call tree", f"communications: {json.dumps(text)}"))
    run = tiny.tripod("check")
    assert run.code == 1
    assert run.out.splitlines() == [
        "clients/acme.yaml:46:36: accepted rpo-unachievable: Hosted mail: RPO 4 h, "
        "but after ransomware it is restored from backups made every 24 h",
        "    accepted by Maria Chen: Daily is enough",
        "clients/acme.yaml:46:36: accepted rpo-unachievable: Hosted mail: RPO 4 h, "
        "but if the cloud account is lost it is restored from backups made every 24 h",
        "    accepted by Maria Chen: Daily is enough",
        "clients/acme.yaml:54:19: error secret-like-value: business_continuity.communications "
        f"looks like {what}; it would be published",
        "    hint: keep secrets in the password manager and refer to them by name",
    ]
    for form in ("text", "json", "github"):
        shown = tiny.tripod("check", "--format", form)
        assert secret not in shown.out + shown.err, form
        assert "secret-like-value" in shown.out


def test_a_secret_in_prose_is_never_published(tiny_site: TinyProject) -> None:
    tiny_site.client(
        with_change("location: NAS}", 'location: "NAS, admin password is Quill2026!"}')
    )
    run = tiny_site.tripod("build")
    assert run.code == 1
    assert "a value looks like a secret and would be published" in run.err
    assert "Quill2026" not in run.out + run.err
    for path in (tiny_site.root / "site").rglob("*"):
        if path.is_file():
            assert b"Quill2026" not in path.read_bytes(), path


# ------------------------------------------------------------ linear, by count

# Texts built to make a backtracking search retry: long runs that a pattern
# may start in (letters before "://", "eyJ-eyJ-..."), keywords without a value,
# words that almost make a login. Each is a function of its length.
ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "letters": lambda n: "a" * n + "://",
    "scheme-like": lambda n: "a:/" * (n // 3),
    "jwt-like": lambda n: "eyJ-" * (n // 4),
    "key-blocks": lambda n: ("-----BEGIN " + "A " * 20) * (n // 51),
    "password:": lambda n: "password:" * (n // 9),
    "password is": lambda n: "password is " * (n // 12),
    "password words": lambda n: "password " * (n // 9),
    "keyword then a long word": lambda n: "password: " + "Q1!" * (n // 3),
    "login slashes": lambda n: "login user / " * (n // 13),
    "slashes": lambda n: "a/" * (n // 2),
    "digits and dashes": lambda n: "123456-" * (n // 7),
    "assignment spaces": lambda n: "password" + " " * n + "=",
    "passphrase words": lambda n: "passphrase: " + "horse " * (n // 6),
}


def _steps(function: Callable[[str], Any], text: str) -> int:
    """Lines of the scan's own code run for one text: its work, counted, not timed."""
    count = 0
    source = secrets.__file__

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename != source:
            return None
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        function(text)
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("make", ADVERSARIAL.values(), ids=list(ADVERSARIAL))
def test_the_scan_does_linear_work(make: Callable[[int], str]) -> None:
    # The code's steps grow with the text no faster than the text: eight times
    # the text, at most eight times the steps (and a few for the start).
    for function in (looks_like_secret, redact):
        small, large = make(2_000), make(16_000)
        scale = len(large) / len(small)
        assert scale >= 7
        steps_small, steps_large = _steps(function, small), _steps(function, large)
        assert steps_large <= scale * steps_small * 1.02 + 200, (steps_small, steps_large)
        assert steps_large <= 60 * len(large)


def _width(pattern: re.Pattern[str]) -> int:
    from re import _parser  # type: ignore[attr-defined]

    return int(_parser.parse(pattern.pattern, pattern.flags).getwidth()[1])


@pytest.mark.parametrize(
    "pattern",
    [p for _, p in _PATTERNS] + [secrets._KEYWORD],
    ids=[what for what, _ in _PATTERNS] + ["keyword"],
)
def test_every_pattern_reads_a_bounded_stretch(pattern: re.Pattern[str]) -> None:
    # The regular expression engine runs outside the count above. A pattern of
    # bounded width reads at most that many characters from each place it is
    # tried, so a search is linear in the text; the pattern that made a 100 KB
    # value take a minute (a scheme of any length before "://") had no bound.
    assert _width(pattern) <= 6_000


@settings(max_examples=30, deadline=None)
@given(
    st.lists(PIECES, min_size=1, max_size=6).map("".join),
    st.integers(min_value=50, max_value=400),
)
def test_repeating_any_text_scales_the_work_with_it(piece: str, times: int) -> None:
    # Whatever a value repeats, n copies cost about n times one copy's steps.
    one, many = _steps(redact, piece * times), _steps(redact, piece * times * 4)
    assert many <= 4 * one + 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "notes:\n  password: Quill2026!\n",
            "clients/acme.yaml:2:13: error secret-like-value: notes.password looks like a "
            "password; it would be published",
        ),
        (
            "admin_pw: correct horse battery staple\n",
            "clients/acme.yaml:1:11: error secret-like-value: admin_pw looks like a "
            "passphrase; it would be published",
        ),
    ],
)
def test_a_key_can_say_that_its_value_is_a_password(text: str, expected: str) -> None:
    problems = load.read_yaml(text.encode(), "clients/acme.yaml")[2]
    assert [p.text() for p in problems] == [expected]
    assert "Quill2026" not in expected and "horse" not in expected


def test_a_key_about_a_password_with_a_reference_is_clean() -> None:
    text = "password: see the vault\npw_manager: Bitwarden\nuser: admin\n"
    assert load.read_yaml(text.encode(), "clients/acme.yaml")[2] == []
