"""The rules a loadable client is checked for.

Importing the package declares every rule (they declare themselves in
`check`, and those that read the evidence in `evidence`, the agreement's lifecycle in `agreement`), so `registry` is
complete wherever it is read.
"""

from generator.rules import agreement as agreement
from generator.rules import check as check
from generator.rules import evidence as evidence
