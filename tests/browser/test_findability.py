"""The findability benchmark: real users' questions through ``search.html?q=``."""

from __future__ import annotations

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
