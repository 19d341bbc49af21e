"""MkDocs, behind one function: a generated docs folder in, a static site out.

Everything Tripod asks of MkDocs and Material goes through `build_site` (and
`serve` for previews), so the sites can move to another builder (Zensical, a
maintained MkDocs 1.x fork) by changing this module alone. The configuration
is the project's `mkdocs.yml` with each site's own docs_dir, site_dir,
site_url, name and navigation.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from markupsafe import Markup

from generator.errors import TripodError

SHIM = "assets/javascripts/iframe-worker-shim.js"
FIXED_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip can hold


class _Bytecode:
    """Compiled theme templates, kept for the life of the process.

    MkDocs makes a new Jinja environment for every site it builds and would
    compile Material's templates again each time; the cache is keyed by each
    template's name and source checksum, so a changed template is compiled anew.
    """

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def cache(self) -> Any:
        import jinja2

        codes = self.codes

        class Memory(jinja2.BytecodeCache):
            def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
                if bucket.key in codes:
                    bucket.bytecode_from_string(codes[bucket.key])

            def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
                codes[bucket.key] = bucket.bytecode_to_string()

        return Memory()


_BYTECODE = _Bytecode()


class _ThemeFiles:
    """Which files of an installed theme a site copies, listed once per process.

    For every site it builds, MkDocs walks each theme folder (Material ships
    thousands of icons) and tests every name against its patterns: about
    0.17 s a site. An installed theme does not change while Tripod runs; the
    project's own overrides folder is listed afresh every time.
    """

    def __init__(self) -> None:
        self.listed: dict[tuple[str, tuple[str, ...]], list[str]] = {}

    def wrap(
        self, env: Any, dirs: list[str], custom_dir: str | None, statics: Collection[str]
    ) -> None:
        original = env.list_templates
        listed = self.listed
        patterns = tuple(sorted(statics))

        def list_templates(
            extensions: Any = None, filter_func: Callable[[str], bool] | None = None
        ) -> list[str]:
            if extensions is not None or filter_func is None:
                names: list[str] = original(extensions, filter_func)
                return names
            found: set[str] = set()
            for folder in dirs:
                key = (folder, patterns)
                kept = listed.get(key)
                if kept is None:
                    kept = [name for name in _walk(folder) if filter_func(name)]
                    if folder != custom_dir:
                        listed[key] = kept
                found.update(kept)
            return sorted(found)

        env.list_templates = list_templates


def _walk(folder: str) -> list[str]:
    """Template names below a folder, as Jinja's FileSystemLoader lists them."""
    names = []
    for path, _, files in os.walk(folder):
        for name in files:
            names.append(os.path.join(path, name)[len(folder) :].strip(os.sep).replace(os.sep, "/"))
    return names


_THEME_FILES = _ThemeFiles()


class SiteError(TripodError):
    """MkDocs could not build a site; the message says why in one line."""


def _quiet() -> None:
    # MkDocs reports progress at INFO; Tripod reports its own.
    for name in ("mkdocs", "material"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build_site(
    *,
    base_config: Path,
    docs_dir: Path,
    site_dir: Path,
    site_name: str,
    nav: list[dict[str, str]],
    site_url: str | None = None,
    extra: dict[str, Any] | None = None,
    offline: bool = False,
    styles: tuple[str, ...] = (),
    scripts: tuple[str, ...] = (),
) -> None:
    """Builds one site from `docs_dir` into `site_dir` (which it empties first).

    `site_name` is plain text: it is escaped here, once, because Material's
    templates print it without escaping. With `offline`, the site works from
    file:// (no directory URLs, search index inlined, the worker shim bundled).
    `styles` and `scripts` are the site's own files (paths in `docs_dir`), loaded
    after the project's.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    _quiet()
    overrides: dict[str, Any] = {
        "docs_dir": str(docs_dir),
        "site_dir": str(site_dir),
        "nav": nav,
    }
    if site_url is not None:
        overrides["site_url"] = site_url
    if offline:
        overrides["plugins"] = ["search", "offline"]
    try:
        config = load_config(config_file=str(base_config), **overrides)
        # Markup: escaped once here, and not again by templates that apply `| e`.
        config["site_name"] = Markup(html.escape(site_name))
        config["extra"].update(extra or {})
        config["extra_css"] = [*config["extra_css"], *styles]
        config["extra_javascript"] = [*config["extra_javascript"], *scripts]
        theme_env = config.theme.get_env
        cache = _BYTECODE.cache()

        theme = config.theme

        def get_env() -> Any:
            env = theme_env()
            env.bytecode_cache = cache
            _THEME_FILES.wrap(env, theme.dirs, theme.custom_dir, theme.static_templates)
            return env

        config.theme.get_env = get_env  # type: ignore[method-assign]
        if offline:
            config["extra"]["polyfills"] = [SHIM]  # the offline plugin then adds no CDN copy
            config["extra"].pop("version", None)  # no version selector from a USB stick
        # MkDocs stamps the build time into sitemap.xml.gz; a fixed epoch keeps
        # the same input giving the same bytes.
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = FIXED_EPOCH
        try:
            build(config)
        finally:
            if epoch is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = epoch
        for source_map in site_dir.glob("assets/**/*.map"):
            source_map.unlink()  # for debugging Material, not for clients: 1.3 MB a site
    except (MkDocsException, OSError, KeyError, ValueError) as e:
        raise SiteError(f"building {site_dir.name}: {' '.join(str(e).split())}") from e


def serve(root: Path, rebuild: Callable[[], None], watch: list[Path], host: str, port: int) -> None:
    """Serves `root` with live reload, calling `rebuild` when a watched path changes."""
    from mkdocs.livereload import LiveReloadServer

    _quiet()
    server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(root))
    for path in watch:
        if path.exists():
            server.watch(str(path))
    try:
        server.serve()  # type: ignore[no-untyped-call]
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


def material_icon(name: str) -> str:
    """The SVG of one of the icons Material bundles ("check-circle"), to inline in a page:
    the theme's icons work without a web font and without any other host."""
    import importlib.util

    spec = importlib.util.find_spec("material")
    if spec is None or spec.origin is None:
        raise SiteError("the Material theme is not installed (make site installs it)")
    folder = Path(spec.origin).parent / "templates" / ".icons" / "material"
    try:
        return (folder / f"{name}.svg").read_text("utf-8")
    except OSError as e:
        raise SiteError(f"Material has no icon {name!r}: {e.strerror}") from e


def escape_html(value: str) -> str:
    """For text placed into Material's templates through `extra`."""
    return html.escape(value)
