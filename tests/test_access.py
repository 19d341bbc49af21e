"""`tripod access` and the hash behind it.

The hash is SHA-512-crypt written in Python (generator/access.py); nginx checks it
with the system's crypt(). So the tests pin it to the specification's vectors and
to two independent implementations (OpenSSL's `passwd -6` and, while Python still
has it, the `crypt` module over libc), then run the real `tripod access` commands
against a target folder and read what they leave there.
"""

from __future__ import annotations

import errno
import os
import random
import re
import stat
import subprocess
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import nginx_server  # noqa: F401  (sets the user nginx runs as in these tests)
from conftest import TRIPOD, Run, TinyProject, system_tool
from generator.publish import PublishError, access, readable
from generator.publish.access import MIN_LENGTH, AccessError, hash_password, sha512_crypt

OPENSSL = "/usr/bin/openssl"
OPENSSL_MAX_BYTES = 256  # `openssl passwd` silently cuts longer passwords
ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HASH = re.compile(r"\$6\$(?:rounds=(\d+)\$)?([./0-9A-Za-z]{1,16})\$[./0-9A-Za-z]{86}")

PASSWORD = "acme reads its own plan"
OTHER_PASSWORD = "a second passphrase for alice"
STAFF_PASSWORD = "staff read the dashboard"


def _libc_crypt() -> Callable[[str, str], str | None] | None:
    """`crypt.crypt` (libc's crypt()) where Python still has it (removed in 3.13)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:
            return None
    return crypt.crypt


LIBC_CRYPT = _libc_crypt()


def openssl_crypt(password: str, salt: str, rounds: int | None = None) -> str:
    """SHA-512-crypt by `openssl passwd -6` (password on stdin, one line)."""
    setting = salt if rounds is None else f"rounds={rounds}${salt}"
    done = subprocess.run(
        [system_tool("openssl", "openssl", OPENSSL), "passwd", "-6", "-salt", setting, "-stdin"],
        input=password.encode("utf-8") + b"\n",
        capture_output=True,
        check=True,
        timeout=30,
    )
    return done.stdout.decode("ascii").strip()


def parse(hashed: str) -> tuple[str, int | None]:
    """The salt and rounds of a `$6$` hash (which must be one)."""
    match = HASH.fullmatch(hashed)
    assert match, f"not a SHA-512-crypt hash: {hashed!r}"
    return match[2], None if match[1] is None else int(match[1])


def verifies(password: str, hashed: str) -> bool:
    """Whether the password signs in against the hash: recomputed with its salt, by
    the code under test and by OpenSSL (an independent implementation)."""
    salt, rounds = parse(hashed)
    ours = sha512_crypt(password, salt, rounds) == hashed
    if 0 < len(password.encode()) <= OPENSSL_MAX_BYTES:
        assert (openssl_crypt(password, salt, rounds) == hashed) == ours
    return ours


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """The process umask (which the `tripod` child inherits) for a block."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def tripod_access(project: TinyProject, *args: str, password: str | None = None) -> Run:
    """`tripod access ARGS`, with the password (a line) on a piped standard input.

    Standard input is always a pipe, never the terminal pytest runs in, so that
    no prompt can wait for an answer.
    """
    return project.tripod("access", *args, stdin="" if password is None else password + "\n")


def add_user(project: TinyProject, target: Path, *names: str, password: str) -> Run:
    """`tripod access add NAMES --password-stdin --allow-unpublished --target TARGET`,
    the password piped (the targets here hold no release)."""
    return tripod_access(
        project,
        "add",
        *names,
        "--password-stdin",
        "--allow-unpublished",
        "--target",
        str(target),
        password=password,
    )


def assert_error(run: Run, fragment: str) -> None:
    """An error as Tripod reports one: exit 2, one line `tripod: ...`, no traceback."""
    assert run.code == 2, (run.code, run.out, run.err)
    assert run.out == ""
    assert "Traceback" not in run.err
    assert "unexpected error" not in run.err, run.err
    assert run.err.endswith("\n") and len(run.err.splitlines()) == 1, run.err
    assert run.err.startswith("tripod: "), run.err
    assert fragment in run.err, run.err


def htpasswd(target: Path, client: str | None = "acme") -> Path:
    if client is None:
        return target / "access" / "staff.htpasswd"
    return target / "access" / "clients" / f"{client}.htpasswd"


def lines(file: Path) -> list[tuple[str, str]]:
    return [
        (user, hashed)
        for user, hashed in (line.split(":", 1) for line in file.read_text("utf-8").splitlines())
    ]


def all_files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def dotfiles(target: Path) -> list[Path]:
    """Leftovers of a write (the lock file, which serializes changes, is meant to stay)."""
    folder = target / "access"
    return [p for p in folder.rglob(".*") if p != folder / ".lock"]


# ------------------------------------------------------------------ the hash

# Ulrich Drepper, "Unix crypt using SHA-256 and SHA-512", the SHA-512 test vectors:
# (setting as given to crypt(), password, result). The implementation takes the salt
# truncated to 16 characters, as crypt() does, and the rounds apart.
SPEC_VECTORS = [
    (
        "$6$saltstring",
        "Hello world!",
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    ),
    (
        "$6$rounds=10000$saltstringsaltstring",
        "Hello world!",
        "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
    ),
    (
        "$6$rounds=5000$toolongsaltstring",
        "This is just a test",
        "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0",
    ),
    (
        "$6$rounds=1400$anotherlongsaltstring",
        "a very much longer text to encrypt.  This one even stretches over morethan one line.",
        "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1",
    ),
    (
        "$6$rounds=77777$short",
        "we have a short salt string but not a short password",
        "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0",
    ),
    (
        "$6$rounds=123456$asaltof16chars..",
        "a short string",
        "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1",
    ),
    (  # fewer than 1,000 rounds count as 1,000, and the result says so
        "$6$rounds=10$roundstoolow",
        "the minimum number is still observed",
        "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.",
    ),
]


@pytest.mark.parametrize(("setting", "password", "expected"), SPEC_VECTORS)
def test_sha512_crypt_matches_the_specification_vectors(
    setting: str, password: str, expected: str
) -> None:
    fields = setting.split("$")[2:]
    rounds = int(fields[0].removeprefix("rounds=")) if len(fields) == 2 else None
    assert sha512_crypt(password, fields[-1][:16], rounds) == expected


def test_sha512_crypt_takes_only_crypt_salts() -> None:
    for salt in ("", "a" * 17, "salt$", "sält", "with space", "colon:"):
        with pytest.raises(ValueError):
            sha512_crypt("password", salt)


# Passwords as `openssl passwd -stdin` can read them: one line, no NUL. Half the
# characters printable ASCII, half anything (one to four bytes in UTF-8); the length
# drawn first, 0..200 characters, so most cross a 64-byte block of SHA-512-crypt and
# some are longer than the 256 bytes openssl takes (libc checks those).
_characters = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(codec="utf-8", exclude_characters="\n\r\x00"),
)
passwords = st.integers(0, 200).flatmap(
    lambda size: st.text(_characters, min_size=size, max_size=size)
)
salts = st.text(st.sampled_from(ITOA64), min_size=1, max_size=16)


@settings(max_examples=40, deadline=None)
@given(
    password=passwords,
    salt=salts,
    rounds=st.one_of(st.none(), st.just(5000), st.integers(1000, 2500)),
)
@example(password="", salt="a", rounds=None)
@example(password="x" * 63, salt="saltstring", rounds=None)
@example(password="x" * 64, salt="saltstring", rounds=None)
@example(password="x" * 65, salt="saltstring", rounds=None)
@example(password="y" * 128, salt="./09AZaz", rounds=None)
@example(password="y" * 129, salt="ITOA64ITOA64ITOA", rounds=1000)
@example(password="é" * 32 + "z", salt="multibyte", rounds=None)  # 65 bytes in 33 characters
@example(password="日本語のパスワード 🔑" * 10, salt="cjk", rounds=None)  # over 256 bytes
def test_sha512_crypt_agrees_with_openssl_and_libc(
    password: str, salt: str, rounds: int | None
) -> None:
    ours = sha512_crypt(password, salt, rounds)
    assert HASH.fullmatch(ours)
    size = len(password.encode("utf-8"))
    if 0 < size <= OPENSSL_MAX_BYTES:  # openssl skips an empty line and cuts long ones
        assert ours == openssl_crypt(password, salt, rounds)
    if LIBC_CRYPT is not None:
        setting = f"$6${salt}" if rounds is None else f"$6$rounds={rounds}${salt}"
        assert ours == LIBC_CRYPT(password, setting)


def test_hash_password_salts_every_hash_afresh() -> None:
    hashes = [hash_password(PASSWORD) for _ in range(20)]
    salts = []
    for hashed in hashes:
        salt, rounds = parse(hashed)
        assert (len(salt), rounds) == (16, None)  # 16 characters, the default 5,000 rounds
        assert verifies(PASSWORD, hashed)
        assert not verifies(PASSWORD + " ", hashed)
        salts.append(salt)
    assert len(set(hashes)) == len(hashes)
    assert len(set(salts)) == len(salts)
    # Together the salts use the crypt alphabet, not a few characters of it.
    assert len(set("".join(salts))) > 30


# ------------------------------------------------------------ tripod access


def test_add_lets_a_client_user_in_and_keeps_only_a_hash(tiny: TinyProject) -> None:
    target = tiny.root / "T"
    with umask(0o022):
        run = add_user(tiny, target, "acme", "alice", password=PASSWORD)
    assert run.code == 0, run.err
    assert run.out == ""
    assert run.err.splitlines() == [
        "alice can now read acme's site",
        "note: acme is not in the published release (yet)",
    ]
    file = htpasswd(target)
    [(user, first)] = lines(file)
    assert user == "alice"
    assert verifies(PASSWORD, first)
    assert not verifies(OTHER_PASSWORD, first)
    assert stat.S_IMODE(file.stat().st_mode) == 0o640
    assert dotfiles(target) == []

    listed = tripod_access(tiny, "list", "acme", "--target", str(target))
    assert (listed.code, listed.out) == (0, "alice\n")

    # A new password for the same user: one line still, a new hash, the old password out.
    (target / "current" / "clients" / "acme").mkdir(parents=True)  # now acme is published
    again = add_user(tiny, target, "acme", "alice", password=OTHER_PASSWORD)
    assert again.code == 0, again.err
    assert again.err == "alice has a new password for acme's site\n"
    [(user, second)] = lines(file)
    assert user == "alice" and second != first
    assert verifies(OTHER_PASSWORD, second)
    assert not verifies(PASSWORD, second)

    # The passwords are nowhere: not printed, not in any file, project or target.
    for secret in (PASSWORD, OTHER_PASSWORD):
        for out in (run.out, run.err, listed.out, listed.err, again.out, again.err):
            assert secret not in out
        for path, data in all_files(tiny.root).items():
            assert secret.encode() not in data, path


def test_a_non_ascii_password_is_hashed_as_utf8(tiny: TinyProject) -> None:
    target, password = tiny.root / "T", "Grüße aus Zürich — 日本 🔑"
    run = add_user(tiny, target, "acme", "juergen", password=password)
    assert run.code == 0, run.err
    [(_, hashed)] = lines(htpasswd(target))
    assert verifies(password, hashed)  # by the code under test and by OpenSSL


def test_remove_takes_one_user_away(tiny: TinyProject) -> None:
    target = tiny.root / "T"
    # bob's password is exactly MIN_LENGTH characters: long enough.
    for user, password in (("bob", "twelve chars"), ("alice", PASSWORD)):
        added = add_user(tiny, target, "acme", user, password=password)
        assert added.code == 0, added.err
    assert verifies("twelve chars", dict(lines(htpasswd(target)))["bob"])
    bob = dict(lines(htpasswd(target)))["bob"]

    run = tripod_access(tiny, "remove", "acme", "alice", "--target", str(target))
    assert (run.code, run.out, run.err) == (0, "", "alice can no longer read acme's site\n")
    assert lines(htpasswd(target)) == [("bob", bob)]  # the others keep their hash
    listed = tripod_access(tiny, "list", "acme", "--target", str(target))
    assert (listed.code, listed.out) == (0, "bob\n")

    again = tripod_access(tiny, "remove", "acme", "alice", "--target", str(target))
    assert_error(again, "'alice' has no access to acme's site")
    nobody = tripod_access(tiny, "remove", "other", "alice", "--target", str(target))
    assert_error(nobody, "'alice' has no access to other's site")
    assert not htpasswd(target, "other").exists()
    assert lines(htpasswd(target)) == [("bob", bob)]


def test_staff_users_have_their_own_file(tiny: TinyProject) -> None:
    target = tiny.root / "T"
    run = add_user(tiny, target, "--staff", "sam", password=STAFF_PASSWORD)
    assert (run.code, run.out, run.err) == (0, "", "sam can now read the dashboard\n")
    [(user, hashed)] = lines(htpasswd(target, None))
    assert user == "sam" and verifies(STAFF_PASSWORD, hashed)
    assert not (target / "access" / "clients").exists()  # no client got a user

    staff = tripod_access(tiny, "list", "--staff", "--target", str(target))
    assert (staff.code, staff.out) == (0, "sam\n")
    acme = tripod_access(tiny, "list", "acme", "--target", str(target))
    assert (acme.code, acme.out) == (0, "")

    not_client = tripod_access(tiny, "remove", "acme", "sam", "--target", str(target))
    assert_error(not_client, "'sam' has no access to acme's site")
    removed = tripod_access(tiny, "remove", "--staff", "sam", "--target", str(target))
    assert (removed.code, removed.err) == (0, "sam can no longer read the dashboard\n")
    assert htpasswd(target, None).read_text() == ""
    assert_error(
        tripod_access(tiny, "remove", "--staff", "sam", "--target", str(target)),
        "'sam' has no access to the dashboard",
    )


def test_the_target_can_come_from_the_environment(
    tiny: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, elsewhere = tiny.root / "T", tiny.root / "elsewhere"
    monkeypatch.setenv("TRIPOD_PUBLISH_TARGET", str(target))
    run = tripod_access(
        tiny, "add", "acme", "alice", "--password-stdin", "--allow-unpublished", password=PASSWORD
    )
    assert run.code == 0, run.err
    assert [user for user, _ in lines(htpasswd(target))] == ["alice"]
    listed = tripod_access(tiny, "list", "acme")
    assert (listed.code, listed.out) == (0, "alice\n")

    # --target wins over the environment.
    explicit = add_user(tiny, elsewhere, "acme", "bob", password=PASSWORD)
    assert explicit.code == 0, explicit.err
    assert [user for user, _ in lines(htpasswd(elsewhere))] == ["bob"]
    assert [user for user, _ in lines(htpasswd(target))] == ["alice"]

    monkeypatch.delenv("TRIPOD_PUBLISH_TARGET")
    missing = tripod_access(tiny, "list", "acme")
    assert missing.code == 2 and "--target" in missing.err
    assert "Traceback" not in missing.err


@pytest.mark.parametrize(
    "mask",
    [
        0o022,
        0o027,
        0o002,
        0o077,
    ],
    ids=oct,
)
def test_the_file_is_readable_by_owner_and_group_whatever_the_umask(
    tiny: TinyProject, mask: int
) -> None:
    target = tiny.root / "T"
    with umask(mask):
        run = add_user(tiny, target, "acme", "alice", password=PASSWORD)
    assert run.code == 0, run.err
    assert stat.S_IMODE(htpasswd(target).stat().st_mode) == 0o640


# ------------------------------------------------------------------ errors

A_USER = ("add", "--allow-unpublished", "acme")
ERRORS = [
    # (id, arguments before --target, password or None, what the line says)
    ("short", (*A_USER, "alice", "--password-stdin"), "x" * (MIN_LENGTH - 1), "use at least 12"),
    ("empty-password", (*A_USER, "alice", "--password-stdin"), "", "is 0 characters"),
    ("control-char", (*A_USER, "alice", "--password-stdin"), PASSWORD + "\r", "control character"),
    ("tab", (*A_USER, "alice", "--password-stdin"), "with\ta tab inside", "control character"),
    ("twelve-spaces", (*A_USER, "alice", "--password-stdin"), " " * 12, "the password is easy to guess: Repeats like \"aaa\" are easy to guess."),
    ("twelve-a", (*A_USER, "alice", "--password-stdin"), "a" * 12, "the password is easy to guess: Repeats like"),
    ("common", (*A_USER, "alice", "--password-stdin"), "password1234", "the password is easy to guess: "),
    ("keyboard", (*A_USER, "alice", "--password-stdin"), "qwertyuiop123", "the password is easy to guess"),
    ("user-name", (*A_USER, "jonathan.smithers", "--password-stdin"), "jonathan.smithers", "the password is easy to guess"),
    ("long-but-weak", (*A_USER, "alice", "--password-stdin"), "a" * 200, "the password is easy to guess"),
    ("512-bytes", (*A_USER, "alice", "--password-stdin"), ("Quill fox jumps " * 32), "the password is 512 bytes; nginx checks at most 511, so it could never sign in"),
    ("512-bytes-utf8", (*A_USER, "alice", "--password-stdin"), "Zürich " * 64, "the password is 512 bytes"),
    ("colon-user", (*A_USER, "al:ice", "--password-stdin"), PASSWORD, "'al:ice' is not a user name"),
    ("empty-user", (*A_USER, "", "--password-stdin"), PASSWORD, "'' is not a user name"),
    ("space-user", (*A_USER, "al ice", "--password-stdin"), PASSWORD, "'al ice' is not a user name"),
    ("dot-user", (*A_USER, ".alice", "--password-stdin"), PASSWORD, "is not a user name"),
    ("newline-user", (*A_USER, "bob\nmallory", "--password-stdin"), PASSWORD, "is not a user name"),
    ("long-user", (*A_USER, "a" * 65, "--password-stdin"), PASSWORD, "is not a user name"),
    ("dash-user", ("add", "--password-stdin", "--allow-unpublished", "--", "acme", "-x"), PASSWORD, "'-x' is not a user name"),
    ("dotdot-client", ("add", "../etc", "alice", "--password-stdin"), PASSWORD, "'../etc' is not a client id"),
    ("upper-client", ("add", "ACME", "alice", "--password-stdin"), PASSWORD, "'ACME' is not a client id"),
    ("slash-client", ("add", "acme/../../x", "alice", "--password-stdin"), PASSWORD, "is not a client id"),
    ("dot-client", ("add", ".", "alice", "--password-stdin"), PASSWORD, "'.' is not a client id"),
    ("empty-client", ("add", "", "alice", "--password-stdin"), PASSWORD, "'' is not a client id"),
    ("list-dotdot", ("list", "../etc"), None, "'../etc' is not a client id"),
    ("remove-dotdot", ("remove", "../x", "alice"), None, "'../x' is not a client id"),
    ("client-and-staff", ("add", "--staff", "acme", "sam", "--password-stdin"), STAFF_PASSWORD, "write CLIENT USER, or --staff USER"),
    ("remove-client-and-staff", ("remove", "--staff", "acme", "sam"), None, "write CLIENT USER, or --staff USER"),
    ("list-client-and-staff", ("list", "--staff", "acme"), None, "name a CLIENT, or give --staff"),
    ("list-neither", ("list",), None, "name a CLIENT, or give --staff"),
    ("three-names", ("add", "acme", "alice", "bob", "--password-stdin"), PASSWORD, "write CLIENT USER"),
    ("staff-no-flag", ("add", "sam", "--password-stdin"), PASSWORD, "write CLIENT USER, or --staff USER"),
    ("not-a-terminal", (*A_USER, "alice"), PASSWORD, "--password-stdin"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "password", "fragment"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_every_refusal_is_one_line_and_writes_nothing(
    tiny: TinyProject, args: tuple[str, ...], password: str | None, fragment: str
) -> None:
    target = tiny.root / "srv" / "T"
    before = all_files(tiny.root)
    if "--" in args:  # options, then --target, then -- and the names
        cut = args.index("--")
        argv = (*args[:cut], "--target", str(target), *args[cut:])
    else:
        argv = (*args, "--target", str(target))
    run = tripod_access(tiny, *argv, password=password)
    assert_error(run, fragment)
    assert all_files(tiny.root) == before  # nothing written, in the target or outside it
    if password:
        assert password not in run.err


def test_a_password_that_is_not_utf8_is_a_usage_problem(tiny: TinyProject) -> None:
    target = tiny.root / "T"
    done = subprocess.run(
        [TRIPOD, "access", "add", "acme", "alice", "--password-stdin", "--target", str(target)],
        cwd=tiny.root,
        input=b"a long password \xff\xfe here\n",
        capture_output=True,
        timeout=120,
    )
    run = Run(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert not htpasswd(target).exists()
    assert_error(run, "password")


def test_command_line_errors_are_one_line_too(tiny: TinyProject) -> None:
    """Errors found while parsing the command line: one `tripod:` line saying where to look."""
    target = tiny.root / "T"
    (tiny.root / "a-file").write_text("")
    for args, fragment in (
        (("add", "acme", "alice", "--password-stdin"), "Missing option '--target'"),
        (("add", "--target", str(target)), "Missing argument"),
        (("add", "acme", "-x", "--password-stdin", "--target", str(target)), "No such option"),
        (("list", "acme", "--target", str(tiny.root / "a-file")), "is a file"),
    ):
        run = tripod_access(tiny, *args, password=PASSWORD)
        assert run.code == 2, run
        assert fragment in run.err and "Traceback" not in run.err, run.err
        assert PASSWORD not in run.err
        assert run.err.startswith("tripod: ") and run.err.count("\n") == 1, run.err
        assert run.err.endswith(" (see tripod access " + args[0] + " --help)\n"), run.err
    assert not target.exists()


# ------------------------------------------------------- a file replaced whole


def test_a_file_is_replaced_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "T"
    names = [f"user{i:02d}" for i in range(25)]
    order = names * 2
    random.Random(7).shuffle(order)
    for name in order:
        access.add(target, "acme", name, f"{name}'s long password")
    file = htpasswd(target)
    found = lines(file)
    assert [user for user, _ in found] == sorted(names)  # one line a user, sorted
    assert all(verifies(f"{user}'s long password", hashed) for user, hashed in found)
    assert file.read_text().endswith("\n")
    assert [p.name for p in file.parent.iterdir()] == ["acme.htpasswd"]

    # A reader that opened the file before a change reads the old file whole: the new
    # one is renamed over it, never written into it.
    before = file.read_bytes()
    with file.open("rb") as reader:
        assert access.add(target, "acme", "zoe", "zoe's long password") is True
        assert reader.read() == before
    assert [user for user, _ in lines(file)] == [*sorted(names), "zoe"]

    # A write that fails leaves the old file as it was and no partial file behind.
    before = file.read_bytes()

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)  # the os module access.py writes with
    with pytest.raises(AccessError, match="cannot be written: No space left on device"):
        access.add(target, "acme", "yann", "yann's long password")
    assert file.read_bytes() == before
    assert dotfiles(target) == []


def test_many_adds_through_the_command_leave_one_sorted_file(tiny: TinyProject) -> None:
    target = tiny.root / "T"
    for user in ("carol", "alice", "bob", "alice", "dave"):
        run = add_user(tiny, target, "acme", user, password=f"{user} has a long passphrase")
        assert run.code == 0, run.err
    found = lines(htpasswd(target))
    assert [user for user, _ in found] == ["alice", "bob", "carol", "dave"]
    assert all(verifies(f"{user} has a long passphrase", hashed) for user, hashed in found)
    assert dotfiles(target) == []
    assert sorted(p.relative_to(target).as_posix() for p in (target / "access").rglob("*")) == [
        "access/.lock",
        "access/clients",
        "access/clients/acme.htpasswd",
        "access/served",
        "access/served/acme.htpasswd",
    ]


def test_a_rewritten_file_keeps_the_group_nginx_reads_it_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The operator gives the file (or its folder) nginx's group once; later changes keep it.
    target = tmp_path / "T"
    access.add(target, "acme", "alice", PASSWORD)
    file = target / "access" / "clients" / "acme.htpasswd"
    others = [g for g in os.getgroups() if g != file.stat().st_gid]
    group = 65534 if os.geteuid() == 0 else (others[0] if others else None)  # root: nogroup
    asked: list[int] = []
    if group is None:
        # A user in one group only cannot give a file another group: the rewrite
        # must at least ask for the group the file has.
        group = file.stat().st_gid
        fchown = os.fchown

        def recording(fd: int, uid: int, gid: int) -> None:
            asked.append(gid)
            fchown(fd, uid, gid)

        monkeypatch.setattr(os, "fchown", recording)
    else:
        os.chown(file, -1, group)
    access.add(target, "acme", "bob", PASSWORD)
    assert file.stat().st_gid == group
    assert oct(file.stat().st_mode & 0o777) == "0o640"
    assert asked == [] or group in asked


def test_changes_at_the_same_time_are_all_kept(tmp_path: Path) -> None:
    import concurrent.futures

    target = tmp_path / "T"
    names = [f"user{i}" for i in range(12)]
    with concurrent.futures.ProcessPoolExecutor(4) as pool:
        list(pool.map(access.add, [target] * 12, ["acme"] * 12, names, [PASSWORD] * 12))
    assert access.users(target, "acme") == sorted(names)


def test_nginx_checks_each_client_with_its_users_and_the_staffs(tmp_path: Path) -> None:
    target = tmp_path / "T"
    served = target / "access" / "served"
    access.add(target, "acme", "alice", PASSWORD)
    access.add(target, "other", "olga", PASSWORD)
    access.add(target, None, "sam", PASSWORD)
    assert [u for u, _ in lines(served / "acme.htpasswd")] == ["alice", "sam"]
    assert [u for u, _ in lines(served / "other.htpasswd")] == ["olga", "sam"]
    hashes = dict(lines(target / "access" / "staff.htpasswd"))
    assert dict(lines(served / "acme.htpasswd"))["sam"] == hashes["sam"]
    # A staff change reaches every client's file; a client's change only its own.
    access.remove(target, None, "sam")
    assert [u for u, _ in lines(served / "acme.htpasswd")] == ["alice"]
    assert [u for u, _ in lines(served / "other.htpasswd")] == ["olga"]
    access.remove(target, "acme", "alice")
    assert lines(served / "acme.htpasswd") == []
    assert [u for u, _ in lines(served / "other.htpasswd")] == ["olga"]


def test_a_name_is_the_staffs_or_clients_never_both(tmp_path: Path) -> None:
    target = tmp_path / "T"
    access.add(target, "acme", "alice", PASSWORD)
    access.add(target, None, "sam", PASSWORD)
    with pytest.raises(AccessError, match="'alice' is already a user of acme's site"):
        access.add(target, None, "alice", PASSWORD)
    with pytest.raises(AccessError, match="'sam' is a staff user"):
        access.add(target, "other", "sam", PASSWORD)
    assert access.users(target, None) == ["sam"]
    assert access.users(target, "other") == []


# ------------------------------------------------------- passwords nginx takes


def test_a_password_of_511_bytes_is_taken_and_crypt_checks_it(tiny: TinyProject) -> None:
    """crypt() takes a passphrase of up to 511 bytes: the longest Tripod takes."""
    target, password = tiny.root / "T", ("Quill fox jumps " * 32)[:511]
    run = add_user(tiny, target, "acme", "alice", password=password)
    assert run.code == 0, run.err
    [(_, hashed)] = lines(htpasswd(target))
    assert verifies(password, hashed)
    if LIBC_CRYPT is not None:  # what nginx calls
        assert LIBC_CRYPT(password, hashed) == hashed
        assert LIBC_CRYPT(password + "x", hashed) in (None, "*0", "*1")  # 512: refused


def test_the_weak_password_feedback_is_zxcvbns(tiny: TinyProject) -> None:
    run = add_user(tiny, tiny.root / "T", "acme", "alice", password="aaaaaaaaaaaa")
    assert run.err == (
        'tripod: the password is easy to guess: Repeats like "aaa" are easy to guess.'
        " Add another word or two. Uncommon words are better. Avoid repeated words and"
        " characters. (a passphrase of a few uncommon words is easiest)\n"
    )


# ------------------------------------------------------- clients that exist


def test_a_user_for_a_client_that_is_not_published_is_refused(tiny: TinyProject) -> None:
    target = tiny.root / "T"
    (target / "current" / "clients" / "acme").mkdir(parents=True)
    before = all_files(tiny.root)
    typo = tripod_access(
        tiny, "add", "acmee", "alice", "--password-stdin", "--target", str(target),
        password=PASSWORD,
    )  # fmt: skip
    assert_error(
        typo,
        f"acmee is not in the release published at {target}: check the id, or give"
        " --allow-unpublished to add a user before the client's first publish",
    )
    assert all_files(tiny.root) == before
    published = tripod_access(
        tiny, "add", "acme", "alice", "--password-stdin", "--target", str(target),
        password=PASSWORD,
    )  # fmt: skip
    assert (published.code, published.err) == (0, "alice can now read acme's site\n")
    early = add_user(tiny, target, "other", "olga", password=OTHER_PASSWORD)
    assert early.code == 0, early.err
    assert early.err.splitlines()[-1] == "note: other is not in the published release (yet)"
    assert [u for u, _ in lines(htpasswd(target, "other"))] == ["olga"]
    staff = tripod_access(
        tiny, "add", "--staff", "sam", "--password-stdin", "--target", str(target),
        password=STAFF_PASSWORD,
    )  # fmt: skip
    assert staff.code == 0, staff.err  # the dashboard is no client


# ------------------------------------------------------- what nginx can read


@pytest.fixture
def reachable() -> Iterator[Path]:
    """A folder any user may enter (pytest's own are its owner's alone)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tripod-readable-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_what_nginx_cannot_read_is_said_with_the_command_that_fixes_it(reachable: Path) -> None:
    """From owners and modes, for a user who is neither the files' owner nor in
    their group (any user can run this: no file changes owner)."""
    target = reachable / "T"
    access.add(target, "acme", "alice", PASSWORD)
    access.add(target, None, "sam", STAFF_PASSWORD)
    me = os.geteuid()
    gid = htpasswd(target, None).stat().st_gid
    stranger = readable.Reader("www-data", me + 1, "www-data", frozenset({gid + 1}))
    member = readable.Reader("www-data", me + 1, "www-data", frozenset({gid}))
    folder = target / "access"
    fix = (
        f"run chgrp -R www-data {folder} && chmod -R g+rX {folder}"
        f" && find {folder} -type d -exec chmod g+s {{}} +"
    )
    assert readable.problem(stranger, folder, readable.served(target)) == (
        f"nginx (www-data) cannot read {folder / 'staff.htpasswd'}: {fix}"
    )
    assert readable.problem(member, folder, readable.served(target)) is None
    (folder / "served").chmod(0o700)
    assert readable.problem(member, folder, readable.served(target)) == (
        f"nginx (www-data) cannot read {folder / 'served'}: {fix}"
    )
    (folder / "served").chmod(0o750)
    target.chmod(0o700)
    assert readable.problem(member, folder, readable.served(target)) == (
        f"nginx (www-data) cannot enter {target}: run chmod o+x {target} (or publish elsewhere)"
    )
    target.chmod(0o755)
    root = readable.Reader("root", 0, "root", frozenset({0}))
    assert readable.problem(root, folder, readable.served(target)) is None


def test_the_nginx_user_comes_from_nginx_conf_or_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "nginx.conf"
    monkeypatch.setattr(readable, "NGINX_CONF", conf)
    assert readable.nginx_user(None) is None  # no nginx here: nothing to check
    conf.write_text("# the workers\nuser  root root;\nworker_processes auto;\n")
    found = readable.nginx_user(None)
    assert found is not None and (found.name, found.uid) == ("root", 0)
    with pytest.raises(
        PublishError, match="nginx's user 'no-such-user' is not a user of this host"
    ):
        readable.nginx_user("no-such-user")
