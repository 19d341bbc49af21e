"""Headless Chromium driven over DevTools: shared by the browser tests and the
benchmark (`bench/run.py`), so it imports nothing from pytest or the tests."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

# Headless Chromium as the browser tests run it: Debian's package, no sandbox
# (containers), and nothing beyond loopback and file://, whatever a page asks for.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


class DevTools:
    """Headless Chromium driven over --remote-debugging-pipe (JSON messages ending in NUL:
    it reads fd 3 and writes fd 4), with one page: for what --dump-dom cannot tell, such
    as where an element is drawn at a given window width, or a screenshot."""

    def __init__(
        self, chromium: str, profile: Path, log: Path, flags: list[str] | None = None
    ) -> None:
        if flags is None:
            flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--hide-scrollbars"]
        to_chromium, self._to = os.pipe()
        self._from, from_chromium = os.pipe()
        # Above 9, so that putting them on 3 and 4 in the child overwrites neither.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_chromium, from_chromium)]
        os.close(to_chromium)
        os.close(from_chromium)
        self._log = log.open("w")
        try:
            self.process = subprocess.Popen(
                [
                    "bash",
                    "-c",
                    'exec "$@" 3<&"$IN" 4>&"$OUT" {IN}<&- {OUT}>&-',
                    "bash",
                    chromium,
                    *flags,
                    "--remote-debugging-pipe",
                ],
                env={**os.environ, "IN": str(ends[0]), "OUT": str(ends[1])},
                pass_fds=ends,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
            )
        finally:
            for fd in ends:
                os.close(fd)
        self._buffer = b""
        self._id = 0
        created = self.send("Target.createTarget", url="about:blank")
        assert "targetId" in created, created
        attached = self.send("Target.attachToTarget", targetId=created["targetId"], flatten=True)
        assert "sessionId" in attached, attached
        self.session: str = attached["sessionId"]

    def send(self, method: str, session: str | None = None, **params: object) -> dict[str, Any]:
        """The result of a command; its error, as {"error": ...}, if it failed."""
        self._id += 1
        message: dict[str, object] = {"id": self._id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 20
        while True:
            while b"\0" in self._buffer:
                raw, _, self._buffer = self._buffer.partition(b"\0")
                answer: dict[str, Any] = json.loads(raw)
                if answer.get("id") == self._id:
                    result: dict[str, Any] = answer.get("result", {"error": answer.get("error")})
                    return result
            left = deadline - time.monotonic()
            assert left > 0, f"chromium did not answer {method}"
            if select.select([self._from], [], [], left)[0]:
                chunk = os.read(self._from, 1 << 16)
                assert chunk, f"chromium exited: {self.process.poll()}"
                self._buffer += chunk

    def page(self, method: str, **params: object) -> dict[str, Any]:
        """A command to the page."""
        return self.send(method, self.session, **params)

    def evaluate(self, expression: str) -> Any:
        """The expression's value in the page, or None while it has no document (loading)."""
        answer = self.page("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer["result"].get("value") if "result" in answer else None

    def open(self, url: str, width: int, height: int = 900, ready: str = "true") -> None:
        """Opens `url` in a window `width` CSS pixels wide, and waits until the page has
        loaded and the JavaScript expression `ready` is true."""
        self.page(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        self.page("Page.navigate", url=url)
        deadline = time.monotonic() + 20
        check = f"document.readyState === 'complete' && location.href === {json.dumps(url)} && ({ready})"
        while not self.evaluate(f"Boolean({check})"):
            assert time.monotonic() < deadline, f"{url} did not finish loading"
            time.sleep(0.1)

    def screenshot(self, path: Path) -> Path:
        """The whole page as a PNG."""
        shot = self.page("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        assert "data" in shot, shot
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.send("Browser.close")
                self.process.wait(timeout=10)
        except (AssertionError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=10)
        finally:
            os.close(self._to)
            os.close(self._from)
            self._log.close()
