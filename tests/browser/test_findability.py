"""The findability benchmark: real users' questions through ``search.html?q=``."""

from __future__ import annotations

import re

import pytest

from . import findability

pytestmark = pytest.mark.browser


def test_real_questions_find_their_page_in_the_top_three(shared_tab):
    questions, gate = findability.load()
    assert len(questions) >= 40, f"the benchmark needs at least 40 real questions, has {len(questions)}"
    outcomes = findability.run(shared_tab.page, shared_tab.base_url, questions)
    print("\n" + findability.report(outcomes))  # the misses, with what came first instead
    assert findability.hit_rate(outcomes) >= gate, findability.report(outcomes)
    shared_tab.assert_clean("the findability benchmark")


def test_results_are_links_to_pages_in_rank_order(shared_tab):
    """The URL contract: search.html?q= lists result links to pages, best first."""
    ranked = findability.sphinx_results(shared_tab.page, shared_tab.base_url, "validate dataset format")
    assert ranked[:1] == ("training/datasets/validate-format",), ranked  # the page with that title
    for page in ranked[:5]:
        shared_tab.goto(page + ".html")


def test_a_word_no_page_uses_still_returns_the_best_pages(shared_tab):
    known = findability.sphinx_results(shared_tab.page, shared_tab.base_url, "parquet")
    assert known, "a word two pages use found nothing"
    with_unknown = findability.sphinx_results(shared_tab.page, shared_tab.base_url, "parquet zzyzzxq")
    assert with_unknown == known


def test_an_http_status_code_is_a_search_word(shared_tab):
    ranked = findability.sphinx_results(shared_tab.page, shared_tab.base_url, "429")
    assert ranked, "searching for 429 found nothing"
    assert any(page.startswith("training/troubleshooting/") for page in ranked[:3]), ranked


# Ranking only, in the search page's own code: what the results list shows, without drawing it.
_RANKED_PAGES = """(query) => [...new Set(
    Search._performSearch(...Search._parseQuery(query)).reverse().map(result => result[0]))]"""


def test_every_quoted_error_message_finds_the_error_reference(shared_tab):
    """Each message a "Message" table quotes, pasted with real values in its placeholders."""
    page = shared_tab.page
    shared_tab.goto("training/troubleshooting/error-reference.html")
    messages = page.evaluate("""() => [...document.querySelectorAll('article table')]
        .filter(table => table.querySelector('thead th')?.innerText.trim() === 'Message')
        .flatMap(table => [...table.querySelectorAll('tbody tr')].map(row => row.cells[0].innerText.trim()))""")
    assert len(messages) >= 50, f"only {len(messages)} quoted messages on the error reference"
    shared_tab.goto("search.html")
    page.wait_for_function("() => typeof Search !== 'undefined' && Search.hasIndex()")
    misses = []
    for message in messages:
        pasted = re.sub(r"<[^<>]+>", " /data/run_7/rollouts.jsonl ", message)  # a value where the placeholder was
        ranked = page.evaluate(_RANKED_PAGES, pasted)
        if "training/troubleshooting/error-reference" not in ranked[:3]:
            misses.append(f"{pasted!r}: {ranked[:3]}")
    assert not misses, f"{len(misses)} of {len(messages)} pasted messages miss the error reference:\n" + "\n".join(misses)
    shared_tab.assert_clean("searching every quoted error message")
