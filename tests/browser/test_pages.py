"""Every built page loads cleanly in Chromium, shows its badge and job, and links to its source."""

from __future__ import annotations

import runpy

import pytest

from .helpers import HUB, ROOT, source_pages

pytestmark = pytest.mark.browser

PAGES = source_pages()


@pytest.fixture(scope="module")
def edit_link_base() -> str:
    """The edit URL prefix conf.py derives from the environment (the same one the build saw)."""
    conf = runpy.run_path(str(ROOT / "conf.py"))
    options = conf["html_theme_options"]
    return f"{options['source_repository']}edit/{options['source_branch']}/{options['source_directory']}"


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors(shared_tab, built_site, edit_link_base, path):
    assert (built_site / path).is_file(), f"{path} was not built: every source page must be in the output"
    tab = shared_tab
    tab.goto(path)
    page = tab.page
    assert page.locator("h1").count() >= 1, f"{path} has no <h1>"
    tab.assert_clean(path)

    if path.startswith("training/"):
        # The docplan badge (content type) and job sit right under the title, and the job is
        # also the page's meta description.
        meta = page.locator("article h1 + p.docplan-meta")
        assert meta.count() == 1, f"{path}: no docplan-meta paragraph right under the title"
        badge = meta.locator(".docplan-badge")
        assert badge.count() == 1 and badge.is_visible(), f"{path}: no visible content-type badge"
        job = meta.locator(".docplan-job").inner_text().strip()
        description = page.locator('meta[name="description"]').get_attribute("content")
        assert job and job == description, f"{path}: job {job!r} != description {description!r}"

    if path not in {"genindex.html", "search.html"}:
        edit = page.locator('a[rel="edit"]')
        assert edit.count() == 1, f"{path}: no 'Edit this page' link"
        assert edit.get_attribute("href") == edit_link_base + path.removesuffix(".html") + ".md"


def test_not_found_page_works_at_any_depth(open_tab, built_site, base_url):
    """A host serves 404.html for a missing URL at any depth; its styles, scripts and links
    must still resolve from there."""
    missing = base_url + "training/no/such/guide.html"
    tab = open_tab(ignore_status_of={missing})
    body = (built_site / "404.html").read_text(encoding="utf-8")
    tab.page.route(missing, lambda route: route.fulfill(status=404, body=body, content_type="text/html"))
    response = tab.page.goto(missing, wait_until="load")
    assert response.status == 404
    page = tab.page
    assert page.locator("h1").inner_text().startswith("Page not found")
    assert page.title().startswith("Page not found")
    # furo's stylesheet and the site's scripts loaded from the site root, not from the missing path.
    assert page.evaluate("""() => [...document.styleSheets].some(
        s => s.href && s.href.includes('/_static/styles/furo.css') && s.cssRules.length > 100)""")
    assert page.evaluate("typeof DOCUMENTATION_OPTIONS") == "object"
    tab.assert_clean("404 page served at a nested path")

    page.get_by_role("link", name="Training section", exact=True).click()
    page.wait_for_load_state("load")
    assert tab.path() == HUB
    tab.assert_clean("the hub, reached from the 404 page")
