"""How long nginx takes to refuse a known client and an unknown one, with the
configuration `tripod publish` writes: the figures behind the README's promise
that refusals do not tell which clients exist.

Lays out a release of two clients in a scratch folder, a user for each and
one for the staff, starts Debian's nginx on it (tests/nginx_server.py), and times
refusals with wrong passwords, interleaved, one connection each, paced under
the rate limit (20 a second). Prints the medians in milliseconds.

    python bench/refusals.py [--requests 100]
    TRIPOD_SOURCE=/path/to/other/checkout python bench/refusals.py   # another version
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, os.environ.get("TRIPOD_SOURCE", str(HERE.parent)))
sys.path.insert(1, str(HERE.parent / "tests"))

from generator.publish import access  # noqa: E402
from generator.publish.config import Server, write_config  # noqa: E402
from nginx_server import start_nginx  # noqa: E402

PASSWORD = "a passphrase long enough to pass"
PACE = 1 / 18  # seconds between requests: under the 20 a second nginx allows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="per series")
    args = parser.parse_args()
    from conftest import free_port

    with tempfile.TemporaryDirectory() as scratch:
        target, port = Path(scratch) / "srv", free_port()
        release = target / "releases" / "20250101T000000Z"
        for where in ("clients/acme", "clients/other", "internal"):
            (release / where).mkdir(parents=True)
            (release / where / "index.html").write_text("<p>page</p>")
        (target / "current").symlink_to("releases/20250101T000000Z")
        write_config(target, Server(listen=f"127.0.0.1:{port}"), ["20250101T000000Z"])
        access.add(target, "acme", "alice", PASSWORD)
        access.add(target, "other", "olga", PASSWORD)
        access.add(target, None, "sam", PASSWORD)
        server = start_nginx(target, Path(scratch) / "nginx", port)
        series = {
            (user, path): []
            for user in ("sam", "alice", "nobody")
            for path in ("/clients/acme/", "/clients/other/", "/clients/nosuch/")
        }
        try:
            for _ in range(args.requests):
                for (user, path), times in series.items():
                    started = time.perf_counter()
                    response = server.get(path, user, "not the password at all")
                    times.append(time.perf_counter() - started)
                    assert response.status == 401, (path, response.status)
                    time.sleep(max(0.0, PACE - (time.perf_counter() - started)))
        finally:
            server.stop()
    for (user, path), times in series.items():
        ms = sorted(t * 1000 for t in times)
        low, high = ms[len(ms) // 10], ms[len(ms) * 9 // 10]
        print(
            f"{user:6} wrong password  {path:17} median {statistics.median(ms):.2f} ms"
            f"  (10th-90th percentile {low:.2f}-{high:.2f})"
        )


if __name__ == "__main__":
    main()
