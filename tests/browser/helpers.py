"""What the browser tests share: the site's pages, a watched browser tab, and the copy rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS_FOR_REVIEW = ROOT / "_build" / "screenshots"

HUB = "training/index.html"
HOW_TO = "training/rollout-collection/optimize-throughput.html"
CONFIG_REFERENCE = "training/rollout-collection/configuration-reference.html"


def source_pages() -> list[str]:
    """Every page the build writes, as a path from the site root (known before the build)."""
    pages = []
    for path in sorted(DOCS.rglob("*.md")):
        relative = path.relative_to(DOCS)
        if any(part.startswith((".", "_")) for part in relative.parts):
            continue
        pages.append(relative.with_suffix(".html").as_posix())
    return pages + ["genindex.html", "search.html"]


@dataclass
class Tab:
    """One browser page that records what went wrong while it was open."""

    page: object  # playwright.sync_api.Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def goto(self, path: str, *, expect_status: int = 200):
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response is not None, f"no response for {path}"
        assert response.status == expect_status, f"{path}: HTTP {response.status}"
        return response

    def reset(self) -> None:
        self.console_errors.clear()
        self.failed_requests.clear()
        self.foreign_requests.clear()

    def path(self) -> str:
        """The current page as a path from the site root, without query or fragment."""
        return urlsplit(self.page.url).path.removeprefix(urlsplit(self.base_url).path)

    def problems(self) -> list[str]:
        return ([f"console error: {e}" for e in self.console_errors]
                + [f"failed request: {r}" for r in self.failed_requests]
                + [f"request to another origin: {r}" for r in self.foreign_requests])

    def assert_clean(self, what: str = "") -> None:
        problems = self.problems()
        assert not problems, f"{what or self.page.url}:\n  " + "\n  ".join(problems)


def watch(page, base_url: str, *, ignore_status_of: set[str] = frozenset()) -> Tab:
    """Record console errors, uncaught exceptions and failed requests of ``page``."""
    tab = Tab(page, base_url)

    def on_console(msg) -> None:
        where = msg.location.get("url", "")
        expected = where in ignore_status_of and msg.text.startswith("Failed to load resource")
        if msg.type == "error" and not expected:
            tab.console_errors.append(f"{msg.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: tab.console_errors.append(f"uncaught {exc}"))

    def on_request_failed(request) -> None:
        # ERR_ABORTED: a request still in flight (such as the favicon) when the page navigates away.
        if request.url.startswith(base_url) and request.failure != "net::ERR_ABORTED":
            tab.failed_requests.append(f"{request.url} ({request.failure})")

    page.on("requestfailed", on_request_failed)

    def on_response(response) -> None:
        if response.status >= 400 and response.url not in ignore_status_of:
            tab.failed_requests.append(f"{response.url} (HTTP {response.status})")

    page.on("response", on_response)
    return tab


def new_tab(browser, base_url: str, *, ignore_status_of: set[str] = frozenset(), **options):
    """A new browser context and watched page on the test server.

    Every request must stay on the test server: any other origin (remote fonts,
    scripts, trackers) is blocked and recorded, and fails ``Tab.assert_clean``.
    """
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    tab = watch(page, base_url, ignore_status_of=ignore_status_of)

    def guard(route) -> None:
        url = route.request.url
        if url.startswith(base_url):
            route.continue_()
        else:
            tab.foreign_requests.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    return context, tab


# -- What a copy button should put on the clipboard ---------------------------------------------

PROMPT = re.compile(r"^(\$ |>>> |\.\.\.(?: |$))")


def commands_only(block_text: str) -> str:
    """The text a reader can paste and run: prompt lines without their prompt, the
    continuation lines of a command (after a trailing backslash), here-documents
    opened on a prompt line, and blank lines; never output. A block without any
    prompt is copied whole."""
    lines = block_text.split("\n")
    if not any(PROMPT.match(line) for line in lines):
        kept = lines
    else:
        kept, continued, here_doc = [], False, False
        for line in lines:
            prompt = PROMPT.match(line)
            if prompt or continued or here_doc:
                kept.append(line[prompt.end():] if prompt else line)
                continued = line.endswith("\\")
                if "EOF" in line:
                    here_doc = not here_doc
            elif not line.strip():
                kept.append(line)
    text = "\n".join(kept)
    return text[:-1] if text.endswith("\n") else text


def relative_luminance(css_color: str) -> float:
    """WCAG relative luminance of an ``rgb(...)``/``rgba(...)`` colour."""
    values = [float(v) for v in re.findall(r"[\d.]+", css_color)[:3]]

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in values)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
