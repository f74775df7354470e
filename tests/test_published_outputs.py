"""What the built site offers machines and link previews: sitemap, llms.txt, OpenGraph,
canonical links, the 404 page; and that no page loads anything from another origin."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from docplan.parsing import load_plan

ROOT = Path(__file__).resolve().parent.parent
PLAN, _ = load_plan(ROOT / "docs" / "training-plan.yaml")
PAGES = {PLAN.docname(entry): entry for entry in PLAN.pages}  # docname -> planned page
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

pytestmark = pytest.mark.slow


class Head(HTMLParser):
    """The <meta>, <link> and resource URLs of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.resources: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content") or ""
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs.get("href")
        # What the browser fetches by itself while loading the page (not what a click follows).
        fetched = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src",
                   "audio": "src", "embed": "src"}.get(tag)
        if fetched and attrs.get(fetched):
            self.resources.append(attrs[fetched])
        if tag == "link" and attrs.get("rel") in {"stylesheet", "icon", "preload", "modulepreload", "manifest"}:
            self.resources.append(attrs.get("href") or "")


def parse(path: Path) -> Head:
    head = Head()
    head.feed(path.read_text(encoding="utf-8"))
    return head


@pytest.fixture(scope="module")
def html(real_build) -> Path:
    assert (real_build.html / "index.html").is_file(), real_build.result.stderr[-3000:]
    return real_build.html


@pytest.fixture(scope="module")
def base_url() -> str:
    import runpy
    return runpy.run_path(str(ROOT / "conf.py"))["html_baseurl"]


def test_the_plan_has_fifty_pages():
    assert len(list(PAGES)) == 50


def test_the_sitemap_parses_and_lists_every_page_once(html, base_url):
    root = ElementTree.parse(html / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locations = [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]
    assert len(locations) == len(set(locations)), "a page is listed twice"
    assert all(loc.startswith(base_url) for loc in locations), locations[:3]
    listed = {loc.removeprefix(base_url).removesuffix(".html") for loc in locations}
    assert set(list(PAGES)) <= listed, sorted(set(list(PAGES)) - listed)
    assert not listed & {"search", "genindex", "404"}, "the sitemap lists a page that is not content"
    for page in listed:
        assert (html / f"{page}.html").is_file(), f"the sitemap lists {page}, which was not built"


def test_llms_txt_lists_all_fifty_pages_with_their_titles(html):
    text = (html / "llms.txt").read_text(encoding="utf-8")
    assert text.startswith("# NeMo Gym Training\n"), text[:200]
    links = re.findall(r"^- \[(.+?)\]\((\S+)\)", text, flags=re.MULTILINE)
    titles = {target: title for title, target in links}
    for docname, entry in PAGES.items():
        matches = [t for target, t in titles.items() if f"/_sources/{docname}.md" in target]
        assert matches == [entry.title], f"llms.txt does not list {docname} as {entry.title!r}"


def test_llms_full_txt_holds_the_text_of_every_page(html):
    text = (html / "llms-full.txt").read_text(encoding="utf-8")
    for entry in PAGES.values():
        assert f"# {entry.title}" in text, f"llms-full.txt lacks the page {entry.title!r}"


@pytest.mark.parametrize("docname", list(PAGES))
def test_each_page_has_link_preview_tags_and_a_canonical_url(html, base_url, docname):
    head = parse(html / f"{docname}.html")
    entry = PAGES[docname]
    url = f"{base_url}{docname}.html"
    assert head.meta.get("og:title") == entry.title
    assert head.meta.get("og:description") == entry.jtbd == head.meta.get("description")
    assert head.meta.get("og:url") == url
    assert head.meta.get("og:type") == "website"
    assert head.canonical == url


def test_no_page_loads_anything_from_another_origin(html):
    pages = sorted(html.rglob("*.html"))
    assert len(pages) >= 50
    for page in pages:
        for url in parse(page).resources:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, f"{page.relative_to(html)} loads {url}"


def test_the_not_found_page_links_from_the_site_root(html):
    # The session's build serves the site at "/" (tests/conftest.py sets DOCS_SITE_ROOT).
    head = parse(html / "404.html")
    assert head.resources and all(url.startswith("/") for url in head.resources), head.resources
    text = (html / "404.html").read_text(encoding="utf-8")
    assert 'href="/training/index.html"' in text
    assert "<title>Page not found" in text
