"""Agreement terms: what both parties sign, in one canonical form.

The terms are the client file without its operational records (test dates,
measured times, when the plan was reviewed, phone numbers and emails), plus
each scenario's effective parameters, plus the provider's identity, plus a
fingerprint of the agreement template's wording. Records change without a new agreement; terms do not.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from generator.format.model import Client, Provider, Scenario
from generator.rules.recovery import ScenarioEstimate, estimates

# The operational records of a client file: never part of the terms.
_RECORDS: Any = {
    "contacts": {"__all__": {"phone", "email"}},
    "third_parties": {"__all__": {"phone", "email"}},
    "backups": {"__all__": {"restore_test": {"last"}}},
    "disaster_recovery": {"test": {"last", "measured", "scenario"}},
    "business_continuity": {"plan_reviewed"},
}


def terms_of(
    client: Client,
    provider: Provider,
    template: str,
    scenarios: dict[Scenario, ScenarioEstimate] | None = None,
) -> dict[str, Any]:
    """The terms as plain data. `template` is the fingerprint of the template's wording;
    `scenarios` the client's recovery estimates, where the caller has them."""
    if scenarios is None:
        scenarios = estimates(client)
    signatory = client.agreement.signatories.provider or provider.signatory
    return {
        "client": client.model_dump(mode="json", exclude_unset=True, exclude=_RECORDS),
        "provider": {
            "name": provider.name,
            "legal_name": provider.legal_name,
            "address": provider.address,
            "signatory": signatory.model_dump(mode="json"),
        },
        # Each scenario's effective parameters, defaults included: changing a default
        # later changes the terms. Terms without this key predate scenarios.
        "scenarios": {name: s.parameters.terms() for name, s in scenarios.items()},
        "template": template,
    }


def canonical(data: dict[str, Any]) -> bytes:
    """JSON with sorted keys, UTF-8, no insignificant whitespace."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def fingerprint(canonical_terms: bytes) -> str:
    return hashlib.sha256(canonical_terms).hexdigest()


def short(fingerprint_hex: str) -> str:
    """The form printed on every page."""
    return fingerprint_hex[:12]


def template_fingerprint(files: list[tuple[str, bytes]]) -> str:
    """Fingerprint of the agreement template's wording: its files' names and contents."""
    digest = hashlib.sha256()
    for name, content in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()
