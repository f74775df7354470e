"""Light and dark themes: the toggle, its persistence, and screenshots for review."""

from __future__ import annotations

import shutil

import pytest

from .helpers import HOW_TO, HUB, relative_luminance

pytestmark = pytest.mark.browser


def background_luminance(page) -> float:
    return relative_luminance(page.evaluate("getComputedStyle(document.body).backgroundColor"))


def theme(page) -> str:
    return page.evaluate("document.body.dataset.theme")


def test_dark_mode_toggles_and_persists_across_pages(open_tab):
    tab = open_tab(color_scheme="light")
    page = tab.page
    tab.goto(HUB)
    assert theme(page) == "auto" and background_luminance(page) > 0.8, "the site does not start light"

    toggle = page.locator(".content-icon-container .theme-toggle")
    for _ in range(3):  # furo cycles auto -> dark -> light -> auto
        if theme(page) == "dark":
            break
        toggle.click()
    assert theme(page) == "dark", "the theme toggle never reached dark mode"
    assert background_luminance(page) < 0.05, "dark mode did not darken the page"

    # Another page, reached by a link, and a reload keep the reader's choice.
    card = page.locator(".sd-card", has=page.locator('a.sd-stretched-link[href="rollout-collection/index.html"]'))
    with page.expect_navigation(wait_until="load"):
        card.click()
    assert theme(page) == "dark" and background_luminance(page) < 0.05, "dark mode was lost on the next page"
    page.reload(wait_until="load")
    assert theme(page) == "dark", "dark mode was lost on reload"
    assert page.evaluate("localStorage.getItem('theme')") == "dark"

    # And back to light.
    for _ in range(3):
        if theme(page) == "light":
            break
        page.locator(".content-icon-container .theme-toggle").click()
    assert background_luminance(page) > 0.8, "light mode did not come back"
    tab.assert_clean("toggling the theme")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_badge_and_job_are_legible(open_tab, scheme):
    """The content-type badge stands out from the page and the job line is readable text."""
    tab = open_tab(color_scheme=scheme)
    tab.page.add_init_script(f"localStorage.setItem('theme', '{scheme}')")
    tab.goto(HOW_TO)
    page = tab.page
    styles = page.locator("p.docplan-meta").evaluate("""meta => {
        const style = el => getComputedStyle(el);
        const badge = meta.querySelector('.docplan-badge'), job = meta.querySelector('.docplan-job');
        return {badgeColor: style(badge).color, badgeBackground: style(badge).backgroundColor,
                jobColor: style(job).color, jobSize: parseFloat(style(job).fontSize),
                badgeSize: parseFloat(style(badge).fontSize), page: style(document.body).backgroundColor};
    }""")

    def contrast(a: str, b: str) -> float:
        la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    assert contrast(styles["badgeColor"], styles["badgeBackground"]) >= 4.5, styles
    assert contrast(styles["jobColor"], styles["page"]) >= 4.5, styles
    assert styles["jobSize"] >= 13 and styles["badgeSize"] >= 11, f"text too small to read: {styles}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [HUB, HOW_TO], ids=["hub", "how-to"])
def test_screenshot_for_review(open_tab, screenshot_dirs, path, scheme):
    """Full-page screenshots of the hub and a how-to page, in both themes, for a reviewer."""
    tab = open_tab(color_scheme=scheme)
    tab.page.add_init_script(f"localStorage.setItem('theme', '{scheme}')")
    tab.goto(path)
    page = tab.page
    assert theme(page) == scheme
    assert (background_luminance(page) < 0.05) == (scheme == "dark")
    page.evaluate("document.fonts.ready")
    name = f"{path.removesuffix('.html').replace('/', '-')}-{scheme}.png"
    shot = screenshot_dirs[0] / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    for directory in screenshot_dirs[1:]:
        shutil.copy2(shot, directory / name)
    tab.assert_clean(f"{path} in {scheme} mode")
