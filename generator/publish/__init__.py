"""`tripod publish`: the built sites laid out for a web server, switched in at once.

    <target>/releases/<id>/clients/<client>/...   one release per publish
    <target>/releases/<id>/internal/...           the provider's dashboard
    <target>/current -> releases/<id>             the one nginx serves
    <target>/access/clients/<client>.htpasswd     who may read each client's site
    <target>/access/staff.htpasswd                who may read the dashboard (and every site)
    <target>/access/served/<client>.htpasswd      the two together: what nginx checks
    <target>/nginx/tripod.conf                    a server for this layout
    <target>/nginx/tripod-site.conf               its locations, to include elsewhere

The modules (`releases` uses the others; `config` uses `csp`):

- `releases`: lays out a release, switches `current` to it, rolls back, prunes,
  and remembers the server options a target was published with;
- `config`: the server options and the nginx configuration, rendered from the
  templates in `nginx/`;
- `csp`: the Content-Security-Policy, with the hashes of the inline scripts
  and styles in the releases' pages;
- `access`: the htpasswd files;
- `readable`: whether nginx's worker user can read what was written.

Publishing reads the built files under site/; it never imports the build.
"""

from __future__ import annotations

from generator.errors import UsageError

RELEASES = "releases"
CURRENT = "current"
NGINX = "nginx"


class PublishError(UsageError):
    """Publishing cannot go ahead; the message says why in one line."""
