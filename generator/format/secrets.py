"""Values that look like secrets: a client file is published, so none may be in it.

Two kinds of evidence. Formats a machine gives out (cloud keys, key blocks,
tokens, a BitLocker recovery key) are found by patterns. A password an
engineer types into a note is found by its words: a keyword (password, pwd,
passphrase, login...) and then, under a few rules, something that reads like
a password rather than like a sentence about one.

Every search is linear in the length of the text, whatever the text: each
pattern either has a bounded length or starts only where a run of the
characters it consumes starts, with possessive quantifiers so that no run is
read twice; the words are one split, then a bounded look at the few words
after each keyword. tests/test_secrets.py counts the work to show it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

# (what it looks like, pattern, clues). Deliberately specific: a false alarm
# on a harmless value is an error a user cannot silence. The clues are
# casefolded text every match contains (one of them at least): a file without
# any is clean without a search.
#
# Every pattern has a bounded width (no `*` or `+` without a limit) and reads
# a run with a possessive quantifier: an attempt at one place reads at most a
# few hundred characters, once, so a search costs at most that much per
# character of the text. (The URL pattern was quadratic: every letter of a
# long word was tried as the start of a scheme read to the word's end.)
# A match covers enough of a secret to know it; `redact` replaces its whole word.
_RULES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    (
        "a private key block",
        re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"),
        ("-----begin",),
    ),
    (
        "an AWS access key id",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
        ("akia", "asia", "agpa", "aida", "aroa"),
    ),
    (
        "a GitHub token",
        re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40})"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10}"), ("xox",)),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])"), ("aiza",)),
    ("a Stripe secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16}"), ("k_live_",)),
    (
        "an Azure storage account key",
        re.compile(r"AccountKey=[A-Za-z0-9+/=]{20}", re.I),
        ("accountkey=",),
    ),
    (
        "a JSON web token",
        # Starts only where its run of token characters starts: a run of
        # "eyJ-eyJ-..." is read from its start, not from every "eyJ" in it.
        re.compile(
            r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,1024}+\.eyJ[A-Za-z0-9_-]{8,4096}+\."
            r"[A-Za-z0-9_-]{8}"
        ),
        ("eyj",),
    ),
    (
        "a URL with a password",
        re.compile(
            r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}+://[^/\s:@]{1,256}+:[^/\s@]{1,256}+@", re.I
        ),
        ("://",),
    ),
    (
        "a password or key assignment",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key"
            r"|access[_-]?key|secret[_-]?key|token|auth[_-]?token)\s{0,16}+=\s{0,16}+\S"
        ),
        ("=",),
    ),
    (
        "a BitLocker recovery key",
        # Eight groups of six digits, as Windows shows and prints it.
        re.compile(r"(?<![0-9-])[0-9]{6}(?:-[0-9]{6}){7}(?![0-9-])"),
        (),  # no word to look for: might_hold_secret searches for the key itself
    ),
)
_PATTERNS = tuple((what, pattern) for what, pattern, _ in _RULES)

# The start of a word of the password family: `password`, `pwd:`,
# `admin_password=`, `Passwords`; what follows `:` or `=` is the rest of the word.
_KEYWORD = re.compile(
    r"(?:[a-z0-9]{1,32}+[_.-]){0,3}+(password|passwd|pwd|pw|passphrase|passcode|pass)(?:s|es)?"
    r"(?:([:=])|$)"
)


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that may stand before a password without a colon: "admin pw Quill2026!".
# `pass` alone is an English word ("pass the test"): only `pass:` or `pass=`.
_DIRECT = frozenset({"password", "passwd", "pwd", "pw", "passphrase", "passcode"})
# Words that name a login, before `user / password`.
_LOGIN = frozenset(
    {"login", "logon", "log-in", "sign-in", "signin", "credentials", "creds", "username", "user"}
)
# Words that link a keyword to its value: "password is ...", "pwd - ...".
_IS = frozenset({"is", "was", "=", ":", "-", "–", "—", "now", "reads"})
# Values that say where a password is, or how it is handled, rather than what it is.
_REFERENCE = _set(
    """
    a an the in on at from to by via see ask per under using use refer with for of
    our their its his her your my this that these those client client's provider provider's
    stored kept held managed shared sent given known set reset changed rotated unchanged
    available provided printed sealed written recorded saved required needed
    none n/a na nil unknown tbd tba not no never only always also still same
    vault vaults safe envelope manager managers bitwarden 1password lastpass keeper keepass
    keepassxc itglue it-glue hudu passportal dashlane psono secret-server thycotic
    redacted [redacted] ******** ***
    """
)
# Words that a sentence about a password has and a diceware passphrase has not.
_FUNCTION = _REFERENCE | _set(
    """
    and or but if then than so as is are was were be been being has have had do does did
    will would can could should must may might it they we he she you i me them us
    every each all any some many more most less least other such which who whom whose what
    when where how why not nor only just very too also after before during until since
    over into onto out up down off about against between through without within
    characters character digits chars days weeks months years hours minutes policy
    """
)
# Parts of a word that are no password: a word, a number, a size or unit (420GB,
# 2FA, 90d), a model or version (DS920, v2, M365).
_WORDLIKE = re.compile(r"[^\W\d_]++|\d++|\d{1,4}+[^\W\d_]{1,3}|[^\W\d_]{1,3}\d{1,4}")
_MASK = re.compile(r"[*x•.#_-]*+", re.I)
_SYMBOL = re.compile(r"[^\w'./+-]")
_DIGIT_OR_SYMBOL = re.compile(r"[0-9!@#$%^&*]")
# Labels between a keyword and a colon that say the value is about the password.
_ABOUT = _set(
    """
    manager policy length expiry expires expired age last hint rules requirements
    complexity history strength changed rotated reset set updated rotation reuse
    """
)
_CLUES = (
    *(clue for _, _, clues in _RULES for clue in clues),
    "pass",
    "pw",
    *_LOGIN,
)
# Words a label may have between a keyword and its value ("password for the NAS:").
_LABEL_WORDS = frozenset({"for", "of", "on", "the", "to", "a", "an", "our", "their"})
# A window after a keyword: a password is said within these few words.
_LABEL = 4
_CLAUSE = 8


def might_hold_secret(text: str) -> bool:
    """False only when nothing in the text can look like a secret: a quick test for whole files."""
    folded = text.casefold()  # as case-insensitive patterns match: the Kelvin sign is a k
    if any(clue in folded for clue in _CLUES):
        return True
    return bool(_PATTERNS[-1][1].search(text))  # the one clue that is not a word: a BitLocker key


def _bare(word: str) -> str:
    """A word without the quotes, brackets and sentence marks around it."""
    return word.strip("\"'`()[]{}<>").rstrip(",.;:")


def _masked(word: str) -> bool:
    return bool(_MASK.fullmatch(word))


def _password_like(word: str) -> bool:
    """Reads like a password: letters with digits or symbols, not a word, a number,
    a size (420GB), a model (DS920+), a version (v2), a date or a unit (90-day, 2FA)."""
    word = _bare(word)
    if len(word) < 6 or _masked(word) or "://" in word or not any(c.isalpha() for c in word):
        return False
    if _SYMBOL.search(word):
        return not ("@" in word and "." in word.rsplit("@", 1)[-1])  # an e-mail address
    parts = re.split(r"['./+-]", word)
    return not all(_WORDLIKE.fullmatch(part) for part in parts if part)


def _says_a_secret(word: str, alone: bool) -> bool:
    """After `password:`: a word with a digit or a symbol, as Tripod always took it;
    a number only when it stands alone and could be a PIN ("passcode: 4821", not
    "password: 12 characters")."""
    bare = _bare(word) or word
    if _masked(bare) or not _DIGIT_OR_SYMBOL.search(bare):
        return False
    return not bare.isdigit() or (alone and len(bare) >= 4)


def _passphrase(words: list[str], least: int) -> int:
    """How many words read like a diceware passphrase (plain words, none of a
    sentence's glue): 0 when they do not."""
    taken: list[str] = []
    for word in words:
        bare = _bare(word)
        if not bare.isalpha() or bare.casefold() in _FUNCTION or len(bare) < 3:
            return 0
        taken.append(bare)
        if word.rstrip(",.;") != word:
            break  # the end of a clause
    # Proper names are capitalised ("Password: Maria Chen knows"); a passphrase's words are not.
    plain = len(taken) >= least and sum(w.islower() for w in taken) >= 2
    return len(taken) if plain else 0


@dataclass(frozen=True, slots=True)
class _Hit:
    what: str
    start: int
    end: int


_WORD = re.compile(r"\S++")


def _prose(text: str, spans: list[tuple[int, int]]) -> Iterator[_Hit]:
    """Passwords written in words. One pass; each keyword looks at a bounded window."""
    words = [text[a:b] for a, b in spans]
    folded = [w.casefold() for w in words]
    for i, word in enumerate(folded):
        bare = word.strip("\"'`()[]{}<>")
        key = _KEYWORD.match(bare)
        if key is not None:
            hit = _after_keyword(key, words, folded, i)
            if hit is not None:
                what, last = hit
                yield _Hit(what, spans[i][0], spans[last][1])
        elif "/" in word:
            hit_login = _login(words, folded, i)
            if hit_login is not None:
                yield _Hit("a login and password", spans[max(0, i - 3)][0], spans[hit_login][1])


def _after_keyword(
    key: re.Match[str], words: list[str], folded: list[str], i: int
) -> tuple[str, int] | None:
    """(what, index of the secret's last word) when the words after a keyword give one."""
    name, link = key.group(1), key.group(2)
    rest = key.string[key.end() :]
    what = "a passphrase" if name == "passphrase" else "a password"
    if rest:  # pwd:Quill2026!, admin_password=anything
        alone = i + 1 == len(words)
        said = link == "=" or _says_a_secret(rest, alone) or _password_like(rest)
        return (what, i) if said and not _masked(_bare(rest)) else None
    j = i + 1
    if not link:
        # "password is ...", "password is: ...", or a short label first:
        # "password for the NAS admin: ...", "password for Maria's laptop is ...".
        for k in range(j, min(len(words), j + _LABEL)):
            label = folded[k].rstrip(":")
            if folded[k] in _IS or label in ("is", "was"):
                link, j = ("=" if folded[k] in ("=", ":") else "is"), k + 1
                break
            if label in _ABOUT or label in _FUNCTION - _LABEL_WORDS:
                break
            if folded[k].endswith(":"):
                link, j = ":", k + 1
                break
    if j >= len(words) or (name == "pass" and not link):
        return None
    first = _bare(folded[j])
    if first in _REFERENCE or first in _ABOUT or _masked(first):
        return None
    value = words[j : j + _CLAUSE]
    alone = len(value) == 1 or value[0].endswith((",", ".", ";"))
    if link in (":", "=") and _says_a_secret(value[0], alone):
        return what, j
    if (link or name in _DIRECT) and _password_like(value[0]):
        return what, j
    taken = _passphrase(value, 3 if link != "is" else 4) if link else 0
    return ("a passphrase", j + taken - 1) if taken else None


def _login(words: list[str], folded: list[str], i: int) -> int | None:
    """`login user / Qu1ll!2026`, `creds admin/Qu1ll!2026`: the index of the password's word."""
    if folded[i] == "/":
        if i == 0 or i + 1 >= len(words):
            return None
        at, secret, before = i + 1, words[i + 1], folded[max(0, i - 3) : i]
    else:
        at, secret = i, words[i].rsplit("/", 1)[1]
        before = [*folded[max(0, i - 3) : i], folded[i].split("/", 1)[0]]
    names_a_login = any(_bare(w).rstrip(":") in _LOGIN for w in before)
    return at if names_a_login and _password_like(secret) else None


def _hits(text: str) -> Iterator[_Hit]:
    """Every secret in the text, each to the end of the word it ends in."""
    spans = [m.span() for m in _WORD.finditer(text)]  # each character read once
    ends = [end for _, end in spans]
    for what, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            at = bisect.bisect_left(ends, end)
            yield _Hit(what, start, ends[at] if at < len(ends) else end)
    yield from _prose(text, spans)


def looks_like_secret(text: str) -> str | None:
    """What the text looks like (for the message), or None. Never returns the secret."""
    if not might_hold_secret(text):
        return None  # nearly every value: every secret found holds a clue
    # The first kind (patterns in the list's order, then prose) names it.
    return next((hit.what for hit in _hits(text)), None)


def redact(text: str) -> str:
    """The text with anything that looks like a secret replaced, for messages that quote values."""
    if not might_hold_secret(text):
        return text
    out: list[str] = []
    at = 0
    for start, end in sorted((hit.start, hit.end) for hit in _hits(text)):
        if end <= at:
            continue  # inside a part already replaced
        if start >= at:
            out += [text[at:start], "[redacted]"]
        at = end
    out.append(text[at:])
    return "".join(out)
