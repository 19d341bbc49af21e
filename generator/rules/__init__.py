"""The rules a loadable client is checked for.

Importing the package declares every rule (they declare themselves in
`check`, and those that read the evidence in `evidence`), so `registry` is
complete wherever it is read.
"""

from generator.rules import check as check
from generator.rules import evidence as evidence
