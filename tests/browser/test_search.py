"""Searching the built site from the sidebar's search box."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .helpers import CONFIG_REFERENCE, HUB

pytestmark = pytest.mark.browser


def search_from_sidebar(tab, query: str) -> list[str]:
    """Type ``query`` into the sidebar's search box on the hub; return the result links' paths."""
    page = tab.page
    tab.goto(HUB)
    box = page.get_by_role("search").get_by_role("textbox", name="Search", exact=True)
    box.fill(query)
    with page.expect_navigation(wait_until="load"):
        box.press("Enter")
    assert tab.path() == "search.html"
    assert parse_qs(urlsplit(page.url).query)["q"] == [query]
    # Sphinx lists the results one by one, then writes the summary.
    summary = page.locator("#search-results p.search-summary")
    page.wait_for_function("""() => /^(Search finished|Your search did not match)/.test(
        document.querySelector('#search-results p.search-summary')?.innerText ?? '')""", timeout=15_000)
    assert summary.inner_text().startswith("Search finished"), summary.inner_text()
    hrefs = page.locator("#search-results ul.search li a").evaluate_all("links => links.map(a => a.href)")
    return [urlsplit(href).path.removeprefix(urlsplit(tab.base_url).path) for href in hrefs]


def test_a_parameter_name_finds_the_configuration_reference(open_tab):
    tab = open_tab()
    results = search_from_sidebar(tab, "num_samples_in_parallel")
    assert CONFIG_REFERENCE in results, f"{CONFIG_REFERENCE} is not among the results: {results}"
    tab.assert_clean("search for num_samples_in_parallel")


def test_the_not_found_page_is_not_a_search_result(open_tab):
    tab = open_tab()
    results = search_from_sidebar(tab, "page")
    assert results, "a search for a common word found nothing"
    assert "404.html" not in results
