"""The findability benchmark: real users' questions, typed into the built site's search.

The questions live in ``tests/data/search/findability.yaml``. ``run`` sends each one
through ``search.html?q=<words>`` (the URL the theme's search box submits) in a
browser tab and records the ranked result pages; a question is a hit when one of
its expected pages is among the first three distinct pages.

Run it by hand against any built site, for example to compare search engines::

    python -m tests.browser.findability _build/html
    python -m tests.browser.findability _build/pagefind-site --engine pagefind
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "tests" / "data" / "search" / "findability.yaml"
TOP = 3


@dataclass(frozen=True)
class Question:
    source: str
    query: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    question: Question
    ranked: tuple[str, ...]  # distinct pages, best first

    @property
    def hit(self) -> bool:
        return any(page in self.question.expected for page in self.ranked[:TOP])

    def describe(self) -> str:
        shown = ", ".join(self.ranked[:5]) or "no results"
        return (f"MISS {self.question.query!r}\n    expected one of: {', '.join(self.question.expected)}\n"
                f"    got: {shown}\n    source: {self.question.source}")


def load(path: Path = QUESTIONS) -> tuple[list[Question], float]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = [Question(q["source"], str(q["query"]), tuple(q["expected"])) for q in data["questions"]]
    return questions, float(data["gate"])


def page_of(href: str, base_url: str) -> str:
    """``training/x/y`` for a result link, without the query, fragment or ``.html``."""
    path = urlsplit(href).path.removeprefix(urlsplit(base_url).path)
    if path == "" or path.endswith("/"):  # Pagefind links an index page by its directory
        path += "index"
    return path.removesuffix(".html")


def distinct(pages: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(pages))


# Sphinx lists the results one by one, then writes the summary line.
_SPHINX_DONE = """() => /^(Search finished|Your search did not match)/.test(
    document.querySelector('#search-results p.search-summary')?.innerText ?? '')"""


def sphinx_results(page, base_url: str, query: str) -> tuple[str, ...]:
    """The ranked pages that ``search.html?q=`` shows for ``query``."""
    page.goto(f"{base_url}search.html?q={quote(query)}", wait_until="load")
    page.wait_for_function(_SPHINX_DONE, timeout=15_000)
    hrefs = page.locator("#search-results ul.search li > a").evaluate_all("links => links.map(a => a.href)")
    return distinct([page_of(href, base_url) for href in hrefs])


_PAGEFIND_SEARCH = """async (query) => {
    const pagefind = await import('./pagefind/pagefind.js');
    const found = await pagefind.search(query);
    const data = await Promise.all(found.results.slice(0, 10).map(r => r.data()));
    return data.map(d => d.url);
}"""


def pagefind_results(page, base_url: str, query: str) -> tuple[str, ...]:
    """The ranked pages Pagefind's own JavaScript API returns for ``query``."""
    if not page.url.startswith(base_url):
        page.goto(base_url + "index.html", wait_until="load")
    urls = page.evaluate(_PAGEFIND_SEARCH, query)
    return distinct([page_of(base_url + url.lstrip("/"), base_url) for url in urls])


_PAGEFIND_ANY_WORD = """async (words) => {
    const pagefind = await import('./pagefind/pagefind.js');
    const scores = new Map();
    for (const word of words) {
        const found = await pagefind.search(word);
        for (const result of found.results) {
            scores.set(result.id, { result, score: (scores.get(result.id)?.score || 0) + result.score });
        }
    }
    const best = [...scores.values()].sort((a, b) => b.score - a.score).slice(0, 10);
    return Promise.all(best.map(async ({ result }) => (await result.data()).url));
}"""


def pagefind_any_word_results(page, base_url: str, query: str) -> tuple[str, ...]:
    """Pagefind asked word by word, scores summed: its ranking without requiring every word."""
    if not page.url.startswith(base_url):
        page.goto(base_url + "index.html", wait_until="load")
    urls = page.evaluate(_PAGEFIND_ANY_WORD, query.split())
    return distinct([page_of(base_url + url.lstrip("/"), base_url) for url in urls])


ENGINES = {"sphinx": sphinx_results, "pagefind": pagefind_results, "pagefind-any-word": pagefind_any_word_results}


def run(page, base_url: str, questions: list[Question], engine: str = "sphinx") -> list[Outcome]:
    search = ENGINES[engine]
    return [Outcome(q, search(page, base_url, q.query)) for q in questions]


def hit_rate(outcomes: list[Outcome]) -> float:
    return sum(o.hit for o in outcomes) / len(outcomes)


def report(outcomes: list[Outcome]) -> str:
    misses = [o.describe() for o in outcomes if not o.hit]
    hits = sum(o.hit for o in outcomes)
    return "\n".join([*misses, f"top-{TOP} hits: {hits}/{len(outcomes)} = {hit_rate(outcomes):.1%}"])


def search_page_weight(browser, base_url: str, engine: str, query: str) -> int:
    """Bytes a fresh tab loads to show the results of one search (cache empty)."""
    page = browser.new_context().new_page()
    loaded: list[int] = []
    page.on("requestfinished", lambda request: loaded.append(request.sizes()["responseBodySize"]))
    ENGINES[engine](page, base_url, query)
    page.wait_for_load_state("networkidle")
    page.context.close()
    return sum(loaded)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the findability benchmark against a built site.")
    parser.add_argument("site", type=Path, help="the built HTML directory")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="sphinx")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    questions, gate = load()
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(args.site)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = server.stdout.readline().split("port ")[1].split()[0]
        base_url = f"http://127.0.0.1:{port}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, headless=True)
            page = browser.new_page()
            outcomes = run(page, base_url, questions, args.engine)
            weight = search_page_weight(browser, base_url, args.engine, questions[0].query)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(report(outcomes))
    print(f"bytes loaded by a first search (page, scripts, index): {weight / 1024:.0f} KiB")
    return 0 if hit_rate(outcomes) >= gate else 1


if __name__ == "__main__":
    sys.exit(main())
