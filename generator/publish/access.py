"""Who may read the published sites: one htpasswd file per client, one for the staff.

The files live with the published sites (`<target>/access/`), never in the
project: a password is read from a prompt or standard input, hashed here and
never stored or printed. The staff read the dashboard and every client's site:
nginx checks each client's site against `served/<client>.htpasswd`, that
client's users and the staff's, rewritten whenever either changes.

The hash is SHA-512-crypt (`$6$`, 5,000 rounds), which nginx checks with the
system's crypt(). Basic auth sends the password with every request and nginx
checks it every time, without a cache, in the worker that serves the other
requests: this hash costs about 2-4 ms of one core per request, where bcrypt at
cost 10 costs about 80 ms (a page with its assets would take a second of CPU,
and a few clients opening pages would stall the server). The price of the fast
hash is paid in password length and strength: Tripod asks for at least
MIN_LENGTH characters that zxcvbn does not score as guessable, so a leaked
file is still not worth cracking.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator import files
from generator.errors import UsageError

MIN_LENGTH = 12
# crypt() (libxcrypt, which nginx calls) refuses a passphrase of 512 bytes or more:
# such a password would be stored and then never let anyone in.
MAX_BYTES = 511
MIN_SCORE = 3  # zxcvbn's scale, 0-4: 3 is "safely unguessable" for an online attack
_SCORED = 72  # zxcvbn's own limit; its matching is slow on longer text
ROUNDS = 5000
STAFF = "staff"  # the dashboard's file: access/staff.htpasswd (clients are in access/clients/)
_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SALT = re.compile(r"[./0-9A-Za-z]{1,16}")
# The order SHA-512-crypt takes the digest's bytes in, three at a time.
_ORDER = (
    (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
    (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54),
    (34, 55, 13), (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60),
    (40, 61, 19), (62, 20, 41),
)  # fmt: skip


class AccessError(UsageError):
    """A bad user name or password, or an access file that cannot be written."""


def sha512_crypt(password: str, salt: str, rounds: int | None = None) -> str:
    """SHA-512-crypt as glibc's crypt() and nginx read it (Drepper's specification)."""
    if not _SALT.fullmatch(salt):
        raise ValueError("the salt is 1 to 16 characters of [./0-9A-Za-z]")
    key, salt_bytes = password.encode("utf-8"), salt.encode("ascii")
    count = ROUNDS if rounds is None else min(max(rounds, 1000), 999_999_999)
    sha = hashlib.sha512
    alternate = sha(key + salt_bytes + key).digest()
    first = sha(key + salt_bytes)
    length = len(key)
    for _ in range(length // 64):
        first.update(alternate)
    first.update(alternate[: length % 64])
    bit = length
    while bit:
        first.update(alternate if bit & 1 else key)
        bit >>= 1
    digest = first.digest()
    p_bytes = _stretch(sha(key * length).digest(), length)
    s_bytes = _stretch(sha(salt_bytes * (16 + digest[0])).digest(), len(salt_bytes))
    for i in range(count):
        step = sha(p_bytes if i & 1 else digest)
        if i % 3:
            step.update(s_bytes)
        if i % 7:
            step.update(p_bytes)
        step.update(digest if i & 1 else p_bytes)
        digest = step.digest()
    encoded = "".join(_b64(digest[a], digest[b], digest[c], 4) for a, b, c in _ORDER)
    encoded += _b64(0, 0, digest[63], 2)
    prefix = "$6$" if rounds is None else f"$6$rounds={count}$"
    return f"{prefix}{salt}${encoded}"


def _stretch(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def _b64(b2: int, b1: int, b0: int, count: int) -> str:
    word = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _ in range(count):
        out.append(_ITOA64[word & 0x3F])
        word >>= 6
    return "".join(out)


def hash_password(password: str) -> str:
    salt = "".join(secrets.choice(_ITOA64) for _ in range(16))
    return sha512_crypt(password, salt)


def check_password(password: str, *context: str) -> None:
    """Refuses a password nginx could never check, or one easily guessed; `context`
    (the user name, the client) counts as known to whoever guesses."""
    if len(password) < MIN_LENGTH:
        raise AccessError(
            f"the password is {len(password)} characters; use at least {MIN_LENGTH}"
            " (a passphrase of a few words is easiest)"
        )
    if any(ord(c) < 32 or c == "\x7f" for c in password):
        raise AccessError("the password contains a control character")
    size = len(password.encode("utf-8"))
    if size > MAX_BYTES:
        raise AccessError(
            f"the password is {size} bytes; nginx checks at most {MAX_BYTES}, so it could"
            " never sign in: use a shorter one"
        )
    from zxcvbn import zxcvbn

    # The first _SCORED characters: a longer password is no weaker than its start.
    result = zxcvbn(password[:_SCORED], user_inputs=[c for c in context if c])
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        advice = " ".join(
            part.strip() for part in (feedback["warning"], *feedback["suggestions"]) if part
        )
        raise AccessError(
            "the password is easy to guess"
            + (f": {advice}" if advice else "")
            + " (a passphrase of a few uncommon words is easiest)"
        )


@dataclass(frozen=True, slots=True)
class AccessFile:
    """One htpasswd file: `user:hash` lines."""

    path: Path

    def users(self) -> dict[str, str]:
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as e:
            raise AccessError(f"{self.path} cannot be read: {e}") from e
        found = {}
        for line in text.splitlines():
            if ":" in line and not line.startswith("#"):
                user, hashed = line.split(":", 1)
                found[user] = hashed
        return found

    def write(self, users: dict[str, str]) -> None:
        """Replaces the file whole (never half-written), readable by its owner and
        group (nginx's, given once to the file or its folder), whatever the umask."""
        text = "".join(f"{user}:{hashed}\n" for user, hashed in sorted(users.items()))
        try:  # the group the file had: nginx's, given to it by hand
            files.write_text(self.path, text, 0o640, keep_group=True)
        except OSError as e:
            raise AccessError(f"{self.path} cannot be written: {e.strerror or e}") from e

    def ensure(self) -> None:
        """An empty file (nobody may sign in) where there is none yet."""
        if not self.path.exists():
            self.write({})


def access_dir(target: Path) -> Path:
    return target / "access"


def access_file(target: Path, client: str | None) -> AccessFile:
    """The file for a client's site, or the staff's (client None)."""
    folder = access_dir(target)
    if client is None:
        return AccessFile(folder / f"{STAFF}.htpasswd")
    return AccessFile(folder / "clients" / f"{client}.htpasswd")


def served_file(target: Path, client: str) -> AccessFile:
    """What nginx checks for a client's site: its users and the staff's."""
    return AccessFile(access_dir(target) / "served" / f"{client}.htpasswd")


def _clients(target: Path) -> list[str]:
    folder = access_dir(target) / "clients"
    return sorted(p.stem for p in folder.glob("*.htpasswd")) if folder.is_dir() else []


def _serve(target: Path, clients: list[str]) -> None:
    staff = access_file(target, None).users()
    for client in clients:
        served_file(target, client).write({**staff, **access_file(target, client).users()})


def ensure(target: Path, clients: list[str]) -> None:
    """Access files for newly published clients (empty: nobody may sign in yet) and the
    staff, and what nginx checks for each client."""
    with _locked(target):
        for client in clients:
            access_file(target, client).ensure()
        access_file(target, None).ensure()
        _serve(target, clients)


def check_user(user: str) -> None:
    if not _USER.fullmatch(user):
        raise AccessError(
            f"{user!r} is not a user name: letters, digits and . _ @ + -, at most 64,"
            " starting with a letter or digit"
        )


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """One change to the access files at a time: two at once would lose one."""
    folder = access_dir(target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / ".lock").open("a")
    except OSError as e:
        raise AccessError(f"{folder} cannot be written: {e.strerror or e}") from e
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def add(target: Path, client: str | None, user: str, password: str) -> bool:
    """Adds a user or changes their password; True when the user was new.

    The staff read the dashboard and every client's site, so a name is either
    the staff's or clients', never both (one name, one password, one person)."""
    check_user(user)
    check_password(password, user, client or "")
    hashed = hash_password(password)
    with _locked(target):
        if client is None:
            taken = [c for c in _clients(target) if user in access_file(target, c).users()]
            if taken:
                raise AccessError(f"{user!r} is already a user of {taken[0]}'s site")
        elif user in access_file(target, None).users():
            raise AccessError(f"{user!r} is a staff user, who can read every client's site already")
        file = access_file(target, client)
        users = file.users()
        new = user not in users
        users[user] = hashed
        file.write(users)
        _serve(target, _clients(target) if client is None else [client])
    return new


def remove(target: Path, client: str | None, user: str) -> None:
    with _locked(target):
        file = access_file(target, client)
        users = file.users()
        if user not in users:
            raise AccessError(f"{user!r} has no access to {_what(client)}")
        del users[user]
        file.write(users)
        _serve(target, _clients(target) if client is None else [client])


def users(target: Path, client: str | None) -> list[str]:
    return sorted(access_file(target, client).users())


def _what(client: str | None) -> str:
    return "the dashboard" if client is None else f"{client}'s site"
