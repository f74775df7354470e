"""A reader follows each reader path of the plan from the hub to its end, by its Next-step links."""

from __future__ import annotations

from pathlib import Path

import pytest
from docplan.parsing import load_plan

from .helpers import HUB

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PLAN, _ = load_plan(ROOT / "docs" / "training-plan.yaml")
PATHS = PLAN.paths if PLAN else ()


def page_url(page: str) -> str:
    return f"{PLAN.root}/{page[:-len('.md')]}.html"


def click(tab, locator, expected: str, how: str) -> None:
    assert locator.count() == 1, f"{how}: {locator.count()} links to click"
    with tab.page.expect_navigation(wait_until="load"):
        locator.click()
    assert tab.path() == expected, f"{how}: landed on {tab.path()}, expected {expected}"
    tab.assert_clean(how)


def test_the_plan_has_the_three_training_modes():
    assert [p.id for p in PATHS] == ["online-rl", "offline", "reward-bridge"]


@pytest.mark.parametrize("path", PATHS, ids=[p.id for p in PATHS])
def test_follow_the_path_from_the_hub_to_its_end(open_tab, path):
    tab = open_tab()
    page = tab.page
    # Every alternative of the last step is an end the reader can reach.
    for end in path.steps[-1]:
        tab.goto(HUB)
        box = page.locator(f"#path-{path.id}")
        assert box.locator("p", has_text="Ends with").count() == 1, "the hub says which file the path ends with"
        first = path.steps[0][0]
        click(tab, box.locator(f'ol.docplan-path-steps a[href="{page_url(first)[len(PLAN.root) + 1:]}"]'),
              page_url(first), f"{path.id}: the hub's first step")
        for number, step in enumerate(path.steps[1:], 2):
            target = end if number == len(path.steps) else step[0]
            next_step = page.locator(f".docplan-next p.docplan-path-{path.id}")
            assert next_step.count() == 1, f"{path.id}: {tab.path()} has no Next step for this path"
            links = next_step.locator("a")
            assert links.count() == len(step), f"{path.id}: {tab.path()} links {links.count()} next pages"
            name = page_url(target).rsplit("/", 1)[1]
            click(tab, next_step.locator(f'a[href$="{name}"]'), page_url(target),
                  f"{path.id}: Next step {number} from {tab.path()}")
        ending = page.locator(f".docplan-next p.docplan-path-{path.id}")
        assert "the end of this path. Your trainer reads" in ending.inner_text()
        assert ending.locator("a").count() == 0
