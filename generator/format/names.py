"""What a client reads where the file holds an id or a code.

A backup's id is for references inside the file; the client reads its `name`,
or, when the file gives none, a name made from its systems' names. The file
says `saas`, `offsite` or `RA`; a client reads what they mean. One table per
field, kept here below every stage, so that the site's pages, the agreement,
the changelog and the findings can all say the same thing in the same words.
"""

from __future__ import annotations

import re

from generator.format.model import Backup, Client


def joined(words: list[str]) -> str:
    """Words as a person lists them: "A", "A and B", "A, B and C"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def backup_name(client: Client, backup: Backup) -> str:
    """The backup's own name, or "<its systems> backup"."""
    if backup.name:
        return backup.name
    systems = {s.id: s.name for s in client.systems}
    return joined([systems.get(s, s) for s in backup.systems]) + " backup"


METHOD = {
    "image": "image of the whole server",
    "file": "copy of the files",
    "database": "copy of the database",
    "saas": "cloud service backup (a copy of the service's data, kept outside it)",
    "snapshot": "snapshots of the server's storage",
}
WHERE = {
    "local": "on the premises",
    "offsite": "off the premises",
}
HOSTING = {
    "on-premises": "on the premises",
    "cloud": "in the cloud",
}
CRITICALITY = {
    "critical": "critical",
    "important": "important",
    "deferrable": "can wait",
}
ROLES = {
    "R": "responsible",
    "A": "accountable",
    "C": "consulted",
    "I": "informed",
}
# The gaps a client may accept, as the client reads them.
CHECKS = {
    "no-offsite-copy": "no copy survives the loss of the site",
    "mutable-offsite": "no copy off the premises is protected from deletion",
    "no-surviving-copy": "no copy survives the disaster",
    "rpo-unachievable": "the backups do not run often enough for its RPO",
    "rto-unachievable": "it cannot be recovered within its RTO",
    "rto-above-mtd": "its RTO is longer than its maximum tolerable downtime",
}


def word(table: dict[str, str], code: str) -> str:
    """The words for a code; a code the table does not know is shown in plain letters."""
    return table.get(code, code.replace("-", " "))


def roles(letters: str) -> str:
    """RACI letters in words: "RA" is "responsible, accountable"."""
    return ", ".join(ROLES[letter] for letter in letters if letter in ROLES)


def possessive(name: str) -> str:
    """A name's possessive: "Harbour Dental Group's", "Quill & Partners Accountants'"."""
    name = name.rstrip()
    if not name:
        return name
    if name.endswith(("'s", "’s", "'S", "’S")):  # already a possessive, such as McDonald's
        return name
    if name[-1] in "sS":
        return name + "'"
    return name + "'s"


def capitalised(value: str) -> str:
    """The first letter in capitals, the rest as written."""
    return value[:1].upper() + value[1:]


def labelled(value: str, label: str) -> str:
    """`label: value`, or the value alone where it already begins with the label's words:
    a reason written "Excluded because..." is not printed "Excluded: Excluded because..."."""
    said = re.findall(r"\w+", label.casefold())
    if re.findall(r"\w+", value.casefold())[: len(said)] == said:
        return value
    return f"{label}: {value}"
