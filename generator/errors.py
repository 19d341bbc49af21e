"""The one root of Tripod's errors.

Every error Tripod raises for a user to read is a `TripodError`: its message
is one line, and it carries the exit code the command line ends with (1: the
input or the work failed; 2: a usage or environment problem). The command line
catches this root once. Errors of the libraries Tripod uses become one of these
at the one module that uses that library (`raise ... from e`).
"""

from __future__ import annotations


class TripodError(Exception):
    """A problem the user can act on, in one line."""

    exit_code = 1


class UsageError(TripodError):
    """The command cannot run as asked: a usage or environment problem."""

    exit_code = 2
