"""The agreement document: its terms rendered through the agreement templates.

The document is made from the terms alone (never from a client file's
records), so the same terms give the same PDF. Drafts say DRAFT on every page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment

from generator.agreement.pdf import Rendered, render
from generator.project.record import TermsRecord
from generator.render import render_template
from generator.render.values import facts
from generator.terms import canonical as terms
from generator.terms.changelog import changelog

SIGNATURE_ANCHORS = ("sig-provider-box", "sig-client-box")


def agreement_html(
    env: Environment, version: TermsRecord, previous: dict[str, Any] | None, draft: bool
) -> str:
    client = version.client
    values = facts(client, version.provider, version.estimates, version.accepted)
    values.update(
        fingerprint=version.fingerprint,
        short=terms.short(version.fingerprint),
        draft=draft,
        term_end=client.agreement.last_day,
        changelog=changelog(previous, version.data) if previous else [],
        previous=client.agreement.version - 1,
    )
    return render_template(env, "agreement/agreement.html", values)


def render_agreement(
    env: Environment,
    styles: Path,
    version: TermsRecord,
    previous: dict[str, Any] | None,
    draft: bool,
) -> Rendered:
    """The agreement PDF of these terms, with the terms attached. `styles` is the
    folder of the agreement's stylesheet (its fonts are relative to it);
    `previous` the terms of the version before, for the changelog."""
    html = agreement_html(env, version, previous, draft)
    when = dt.datetime.combine(version.client.agreement.effective, dt.time(0, 0), dt.UTC)
    return render(
        html,
        styles,
        when=when,
        attachment=version.canonical,
        attachment_name="terms.json",
        anchors=SIGNATURE_ANCHORS,
    )
