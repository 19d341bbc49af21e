"""The agreement document: its terms rendered through `templates/agreement/`.

The document is made from the terms alone (never from a client file's
records), so the same terms give the same PDF. Drafts say DRAFT on every page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jinja2 import Environment

from generator.agreement.pdf import Rendered, render
from generator.format.load import SourceMap
from generator.format.model import Client, Provider
from generator.render import PACKAGE_TEMPLATES, render_template
from generator.rules.check import check
from generator.site.pages import SiteData, VersionInfo, context
from generator.terms import archive
from generator.terms import canonical as terms
from generator.terms.changelog import changelog

SIGNATURE_ANCHORS = ("sig-provider-box", "sig-client-box")


def agreement_html(
    env: Environment,
    client: Client,
    provider: Provider,
    canonical: bytes,
    previous: dict[str, Any] | None,
    draft: bool,
) -> str:
    effective = client.agreement.effective
    # Accepted gaps do not depend on the date; the effective date keeps the
    # document independent of the day it is rendered.
    findings = check(client, SourceMap(), "", effective)
    values = context(
        SiteData(client, provider, VersionInfo("agreement", False), effective, findings)
    )
    fingerprint = terms.fingerprint(canonical)
    values.update(
        fingerprint=fingerprint,
        short=terms.short(fingerprint),
        draft=draft,
        term_end=client.agreement.last_day,
        changelog=changelog(previous, archive.loads(canonical)) if previous else [],
        previous=client.agreement.version - 1,
    )
    return render_template(env, "agreement/agreement.html", values)


def render_agreement(
    env: Environment,
    templates: Any,
    canonical: bytes,
    provider: Provider,
    previous: dict[str, Any] | None,
    draft: bool,
) -> Rendered:
    """The agreement PDF for these canonical terms, with the terms attached."""
    data = archive.loads(canonical)
    client = archive.client_from_terms(data)
    provider = archive.provider_with(data, provider)
    html = agreement_html(env, client, provider, canonical, previous, draft)
    base = templates / "agreement"
    if not (base / "agreement.css").is_file():
        base = PACKAGE_TEMPLATES / "agreement"
    when = dt.datetime.combine(client.agreement.effective, dt.time(0, 0), dt.UTC)
    return render(
        html,
        base,
        when=when,
        attachment=canonical,
        attachment_name="terms.json",
        anchors=SIGNATURE_ANCHORS,
    )
