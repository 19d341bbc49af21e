"""`make bench`: what Tripod costs against the naive way, on a synthetic portfolio.

Runs, side by side on the same scratch project: the floor (parsing the files
with PyYAML's C loader), `tripod check`, a cold `tripod build`, a rebuild
with nothing changed, a rebuild after editing one client, `tripod publish`
(first and second release), and the naive way
(one `mkdocs build` process and one `weasyprint` process per client, on the
same generated content), measured on a sample and scaled to N. Prints each
figure, the ratios the goals are set in, and peak memory; writes JSON, to --json
and to bench/results-N.json. Then prints the figures of every bench/results-*.json
made on a machine with as many cores side by side, with how they grow with N
(bench/compare.py).

    python bench/run.py --clients 250 [--sample 10] [--json bench/results.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import compare  # noqa: E402
from portfolio import (  # noqa: E402
    add_states,
    export_csv,
    issue_versions,
    write_evidence,
    write_portfolio,
)

BIN = Path(sys.executable).parent
TODAY = dt.date(2026, 11, 25)


def _tree_pss_kib(pid: int) -> int:
    """Proportional set size of a process and its descendants (KiB): memory shared
    by forked workers is counted once, not once per worker."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def bench_env() -> dict[str, str]:
    """The environment every measured command runs in: the benchmark's day."""
    return {**os.environ, "TRIPOD_TODAY": TODAY.isoformat()}


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds of a command, and its peak memory (KiB) with all its workers together."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=bench_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_pss_kib(process.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {err.decode()[-500:]}")
    return seconds, peak


def disk_bytes(folder: Path) -> int:
    """Bytes on disk below a folder, each hard-linked file counted once."""
    seen: set[int] = set()
    total = 0
    for path in folder.rglob("*"):
        stat = path.lstat()
        if path.is_file() and stat.st_ino not in seen:
            seen.add(stat.st_ino)
            total += stat.st_blocks * 512
    return total


def check_cold(root: Path) -> tuple[float, int]:
    """`tripod check` with no findings cache: .tripod/cache is removed first, so the
    check reads and checks every file, as the floor parses every file."""
    shutil.rmtree(root / ".tripod" / "cache", ignore_errors=True)
    return timed([str(BIN / "tripod"), "check"], root)


def build_own(root: Path) -> float:
    """Seconds of Tripod's own work in a `tripod build` of every client: the build
    alone, timed in a process that has already started Python and made the
    command's imports (bench/own.py)."""
    done = subprocess.run(
        [sys.executable, str(HERE / "own.py"), str(root)],
        cwd=root,
        env=bench_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/own.py failed: {done.stderr[-500:]}")
    figures = json.loads(done.stdout.splitlines()[-1])
    if figures["rebuilt"]:
        print(f"  note: the build timed by bench/own.py rebuilt {figures['rebuilt']} sites")
    return float(figures["seconds"])


def settle(root: Path, age: float = 3600.0) -> None:
    """Every file of the project as if written an hour ago, as a provider's files are
    by the time they build: a file changed within two seconds of a build is checked
    again by the next one (generator/build/digest.py), which a portfolio written just
    before its first build would otherwise measure."""
    past = time.time() - age
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def floor(root: Path) -> float:
    import yaml

    start = time.perf_counter()
    for path in sorted((root / "clients").glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def naive(root: Path, ids: list[str], sample: int) -> float:
    """Seconds per client the naive way: a process for the site, another for the PDF."""
    from generator import DEFAULTS, render
    from generator.agreement.document import agreement_html
    from generator.project.layout import Project
    from generator.project.record import check_project
    from generator.site.pages import PAGES, SiteData, VersionInfo, write_pages

    project = Project.at(root)
    env = render.environment(root / "templates")
    work = root / "naive"
    styles = work / "agreement"
    shutil.copytree(DEFAULTS / "agreement", styles, dirs_exist_ok=True)
    total = 0.0
    for cid in ids[:sample]:
        (record,) = check_project(project, (cid,), TODAY).clients
        client, provider = record.client, record.provider
        assert client is not None and provider is not None
        docs = work / cid / "docs"
        data = SiteData(
            client, provider, VersionInfo("current", True), TODAY, estimates=record.estimates
        )
        write_pages(env, data, docs, DEFAULTS / "site" / "assets")
        nav = "".join(f"  - '{title}': {name}\n" for title, name in PAGES)
        config = (
            (DEFAULTS / "mkdocs.yml")
            .read_text()
            .replace("custom_dir: site/overrides", f"custom_dir: {DEFAULTS}/site/overrides")
        )
        (work / cid / "mkdocs.yml").write_text(
            config + f"\nsite_name: {cid}\ndocs_dir: docs\nsite_dir: out\nnav:\n{nav}"
        )
        html = agreement_html(env, record.terms, None, draft=True)
        (styles / f"{cid}.html").write_text(html)
        seconds, _ = timed([str(BIN / "mkdocs"), "build", "-q"], work / cid)
        total += seconds
        seconds, _ = timed(
            [str(BIN / "weasyprint"), f"{cid}.html", str(work / cid / "a.pdf")], styles
        )
        total += seconds
    return total / max(1, min(sample, len(ids)))


def long_value(scratch: Path, ids: list[str], root: Path, size: int = 900_000) -> float:
    """`tripod check` of one client whose exclusions hold `size` characters that keep
    the secret scan busy: prose with keywords, slashes and addresses, and blobs of
    letters, in entries just under the reader's limit of 10,000 characters each.
    The scan is linear, so this costs about what reading the file does; a quadratic
    pattern once made such a note take minutes."""
    project = scratch / "long-value"
    (project / "clients").mkdir(parents=True)
    shutil.copy(root / "provider.yaml", project / "provider.yaml")
    shutil.copytree(root / "certs", project / "certs")
    words = "the admin password is rotated by the provider, login user / see the vault, https://"
    entry = (words + " ") * (5_000 // (len(words) + 1)) + "a" * 4_900
    items = "".join(f"  - {json.dumps(entry)}\n" for _ in range(size // len(entry)))
    text = (root / "clients" / f"{ids[0]}.yaml").read_text("utf-8")
    text = text.replace("exclusions:\n", "exclusions:\n" + items, 1)
    (project / "clients" / f"{ids[0]}.yaml").write_text(text, "utf-8")
    seconds, _ = timed([str(BIN / "tripod"), "check"], project)
    return seconds


def _first_backup(root: Path, cid: str) -> str:
    from generator.format.load import load_client

    client = load_client(root / "clients" / f"{cid}.yaml", cid, TODAY).model
    assert client is not None and client.backups
    return client.backups[0].id


def import_own(export: Path) -> float:
    """Seconds of Tripod's own work in an import of the export (parse, check, merge,
    write), in this process: the command's time less Python's start and imports."""
    from generator.evidence import importing
    from generator.evidence.formats import parser

    data = export.read_bytes()
    options = importing.Options(
        now=dt.datetime.combine(TODAY, dt.time.max, dt.UTC), zone=importing.zone("UTC")
    )
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        importing.import_runs(
            parser("csv"), data, "runs.csv", options, Path(folder) / "b.jsonl", "b"
        )
        return time.perf_counter() - started


def evidence_floor(root: Path) -> float:
    """Seconds to read every evidence file once and decode each line as JSON: the least a
    check that reads the evidence could cost on top of today's."""
    started = time.perf_counter()
    for path in (root / "evidence").rglob("*.jsonl"):
        for line in path.read_bytes().splitlines():
            json.loads(line)
    return time.perf_counter() - started


# Without a visible pause: a tenth of a second for an interaction, a second to draw.
DASHBOARD_GOALS = {
    "dashboard_first_render_ms": 1000,
    "dashboard_filter_ms": 100,
    "dashboard_state_ms": 100,
    "dashboard_sort_ms": 100,
}


def dashboard_figures(scratch: Path, clients: int) -> tuple[dict[str, float | None], list[str]]:
    """The dashboard at `clients` clients of a varied portfolio: `tripod build` of one
    client (which writes the whole dashboard), then the page in headless Chromium
    (bench/dashboard.py). Without chromium on PATH: no figures, and a note saying so."""
    chromium = shutil.which("chromium")
    if chromium is None:
        return {}, ["dashboard skipped: chromium is not on PATH (make bench installs it)"]
    import dashboard

    root = scratch / "varied"
    ids = write_portfolio(root, clients, varied=True)
    add_states(root, ids, TODAY)
    figures: dict[str, float | None] = {}
    figures["dashboard_build_s"], _ = timed(
        [str(BIN / "tripod"), "build", ids[0], "--today", TODAY.isoformat()], root
    )
    page = root / "site" / "internal" / "index.html"
    measured, notes = dashboard.measure(chromium, page.as_uri(), scratch / "chromium")
    figures.update(measured)
    return figures, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--sample", type=int, default=5, help="clients measured the naive way")
    parser.add_argument(
        "--dashboard-clients",
        type=int,
        default=1000,
        help="clients of the varied portfolio the dashboard is measured at",
    )
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the scratch project")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="tripod-bench-"))
    root = scratch / "project"
    ids = write_portfolio(root, args.clients)
    versions = issue_versions(root, TODAY)
    settle(root)
    tripod = str(BIN / "tripod")
    results: dict[str, float] = {}
    results["floor_load_s"] = floor(root)
    # Cold: check_cold removes any findings cache (.tripod/cache) before the check.
    results["check_s"], check_kib = check_cold(root)
    results["cold_build_s"], build_kib = timed([tripod, "build"], root)
    site_bytes = disk_bytes(root / "site")
    results["nothing_changed_s"], unchanged_kib = timed([tripod, "build"], root)
    # A second build with nothing changed: Tripod's own part of it, without
    # Python's start and the imports.
    results["nothing_changed_own_s"] = build_own(root)
    edited = root / "clients" / f"{ids[0]}.yaml"
    edited.write_text(edited.read_text().replace("name: ", "name: Edited ", 1))
    results["one_edited_s"], edited_kib = timed([tripod, "build"], root)
    publish = [tripod, "publish", "--target", str(scratch / "published")]
    results["publish_first_s"], _ = timed(publish, root)
    results["publish_again_s"], _ = timed(publish, root)
    # Evidence: one import of 10,000 runs (the command, and Tripod's own part of it
    # in this process), then a check with a year of daily runs of every backup.
    export = scratch / "runs.csv"
    export_csv(export, 10_000, TODAY)
    results["import_10k_s"], _ = timed(
        [
            tripod,
            "import",
            "csv",
            str(export),
            "--client",
            ids[0],
            "--backup",
            _first_backup(root, ids[0]),
        ],
        root,
    )
    results["import_10k_own_s"] = import_own(export)
    evidence_records = write_evidence(root, ids, TODAY)
    results["evidence_read_floor_s"] = evidence_floor(root)
    results["check_with_evidence_s"], _ = check_cold(root)
    board, dashboard_notes = dashboard_figures(scratch, args.dashboard_clients)
    results["naive_per_client_s"] = naive(root, ids, args.sample)
    results["check_900kb_value_s"] = long_value(scratch, ids, root)
    results["check_peak_mib"] = check_kib / 1024
    # Peak memory of each build, workers included. The goal (flat with N, see
    # bench/compare.py) is on the cold build's: build_peak_mib.
    results["build_peak_mib"] = build_kib / 1024
    results["nothing_changed_peak_mib"] = unchanged_kib / 1024
    results["one_edited_peak_mib"] = edited_kib / 1024
    results["site_mib"] = site_bytes / 2**20
    results["site_per_client_mib"] = site_bytes / 2**20 / args.clients

    n = args.clients
    naive_total = results["naive_per_client_s"] * n
    ratios = {
        "cold_vs_naive": results["cold_build_s"] / naive_total,
        "nothing_changed_vs_cold": results["nothing_changed_s"] / results["cold_build_s"],
        "one_edited_vs_cold": results["one_edited_s"] / results["cold_build_s"],
        "check_vs_floor": results["check_s"] / max(results["floor_load_s"], 1e-9),
        # A check with a year of evidence against today's check plus reading it once.
        "check_with_evidence_vs_check_and_read": results["check_with_evidence_s"]
        / (results["check_s"] + results["evidence_read_floor_s"]),
    }
    goals = {
        "cold_vs_naive": 0.12,
        "nothing_changed_vs_cold": 0.1,
        "one_edited_vs_cold": 0.1,
        "check_vs_floor": 2.0,
        "check_with_evidence_vs_check_and_read": 1.5,
    }
    report = {
        "clients": n,
        "made": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "issued_versions": versions,
        "evidence_records": evidence_records,
        "naive_sample": min(args.sample, n),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "seconds": results,
        # A varied portfolio of --dashboard-clients clients (bench/portfolio.py): the
        # build of one client with the dashboard (seconds), then the page in headless
        # Chromium (milliseconds); None where the page could not give a figure (the notes
        # say why).
        "dashboard_clients": args.dashboard_clients,
        "dashboard": board,
        "dashboard_goals": DASHBOARD_GOALS,
        "dashboard_notes": dashboard_notes,
        "ratios": ratios,
        "goals": goals,
    }
    print(f"Tripod benchmark: {n} clients, {versions} issued versions, on {os.cpu_count()} cores")
    for name, value in results.items():
        print(f"  {name:26} {value:10.2f}")
    print(f"  {'naive_total_s':26} {naive_total:10.2f}  (sampled on {min(args.sample, n)} clients)")
    print(f"  the dashboard at {args.dashboard_clients} clients:")
    for name, figure in board.items():
        shown = "      None" if figure is None else f"{figure:10.2f}"
        goal = DASHBOARD_GOALS.get(name)
        mark = ""
        if goal is not None and figure is not None:
            mark = f"  goal <= {goal}: {'ok' if figure <= goal else 'over the goal'}"
        print(f"  {name:26} {shown}{mark}")
    for note in dashboard_notes:
        print(f"  {note}")
    for name, value in ratios.items():
        mark = "ok" if value <= goals[name] else "over the goal"
        print(f"  {name:26} {value:10.3f}  goal <= {goals[name]}: {mark}")
    text = json.dumps(report, indent=2) + "\n"
    args.json.write_text(text)
    print(f"wrote {args.json}")
    # One file per portfolio size, for the figures side by side.
    per_size = HERE / f"results-{n}.json"
    per_size.write_text(text)
    print(f"wrote {per_size}")
    print()
    compare.print_table(compare.load(HERE), os.cpu_count() or 1)
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"kept {root}")


if __name__ == "__main__":
    main()
