"""A reader moves through the section: hub, topic index and guide, with cards, sidebar and
breadcrumbs, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from .helpers import HOW_TO, HUB

pytestmark = pytest.mark.browser

TOPIC = "training/rollout-collection/index.html"
GUIDE_NAME = HOW_TO.rsplit("/", 1)[1]  # optimize-throughput.html


def follow(tab, locator, expected_path: str, how: str) -> None:
    """Click ``locator``, wait for the next page, and check where the reader landed."""
    assert locator.count() >= 1, f"nothing to click for: {how}"
    with tab.page.expect_navigation(wait_until="load"):
        locator.first.click()
    assert tab.path() == expected_path, f"{how}: landed on {tab.path()}, expected {expected_path}"
    tab.assert_clean(how)


def current_sidebar_entry(page) -> str:
    return page.locator(".sidebar-tree li.current-page > a").inner_text().strip()


def h1(page) -> str:
    return page.locator("article h1").first.inner_text().replace("¶", "").strip()


def test_hub_to_topic_to_guide_and_back(open_tab):
    tab = open_tab()
    page = tab.page
    tab.goto(HUB)
    hub_title = h1(page)

    # Hub -> topic index, through the topic's card.
    card = page.locator(".sd-card", has=page.locator('a.sd-stretched-link[href="rollout-collection/index.html"]'))
    follow(tab, card, TOPIC, "the hub's Rollout collection card")
    topic_title = h1(page)
    assert current_sidebar_entry(page) == topic_title

    # Topic index -> guide, through the sidebar.
    follow(tab, page.locator(f'.sidebar-tree a.reference[href="{GUIDE_NAME}"]'), HOW_TO,
           "the sidebar entry of the guide")
    guide_title = h1(page)
    assert current_sidebar_entry(page) == guide_title
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    trail = [crumb.strip() for crumb in crumbs.locator("li").all_inner_texts()]
    assert trail == ["Home", hub_title, topic_title, guide_title]
    assert crumbs.locator('[aria-current="page"]').inner_text() == guide_title

    # Guide -> topic index, through the breadcrumbs.
    follow(tab, crumbs.get_by_role("link", name=topic_title, exact=True), TOPIC, "the topic breadcrumb")

    # Topic index -> guide again, through the guide's card on the topic index.
    card = page.locator(".sd-card", has=page.locator(f'a.sd-stretched-link[href="{GUIDE_NAME}"]'))
    follow(tab, card, HOW_TO, "the guide's card on the topic index")

    # Guide -> hub, through the breadcrumbs; then hub -> guide and back through the sidebar.
    follow(tab, page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name=hub_title, exact=True),
           HUB, "the hub breadcrumb")
    topic_entry = page.locator(".sidebar-tree li", has=page.locator(
        ':scope > a.reference[href="rollout-collection/index.html"]'))
    guide_entry = topic_entry.locator('a.reference[href="rollout-collection/optimize-throughput.html"]')
    assert not guide_entry.is_visible(), "the topic's guides are listed before the topic is expanded"
    topic_entry.locator(":scope > label").click()  # expand the topic in the sidebar
    follow(tab, guide_entry, HOW_TO, "the guide's sidebar entry from the hub, after expanding its topic")
    follow(tab, page.locator('.sidebar-tree a.reference[href="../index.html"]'), HUB, "the hub's sidebar entry")
    assert current_sidebar_entry(page) == hub_title


def test_phone_navigation_opens_and_works(open_tab):
    tab = open_tab(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = tab.page
    tab.goto(HOW_TO)
    drawer = page.locator(".sidebar-drawer")

    def drawer_is_open() -> bool:
        box = drawer.bounding_box()
        return box is not None and box["x"] >= -1 and box["width"] > 100

    assert page.locator(".mobile-header").is_visible(), "no mobile header at a phone-sized viewport"
    assert not drawer_is_open(), "the navigation drawer is open before it is asked for"
    no_overflow = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_overflow), "the page scrolls sideways on a phone"

    # Open the navigation from the header's menu button, then follow a link in it.
    page.locator(".mobile-header label.nav-overlay-icon").click()
    page.wait_for_function("""() => {
        const box = document.querySelector('.sidebar-drawer').getBoundingClientRect();
        return box.left >= -1 && box.width > 100; }""")
    assert page.locator("#__navigation").is_checked()
    link = drawer.locator('.sidebar-tree a.reference[href="configuration-reference.html"]')
    assert link.is_visible(), "the open drawer does not show the topic's pages"
    with page.expect_navigation(wait_until="load"):
        link.click()
    assert tab.path() == "training/rollout-collection/configuration-reference.html"
    assert not drawer_is_open(), "the drawer stays open on the new page"
    assert page.evaluate(no_overflow), "the reference page scrolls sideways on a phone"

    # The table of contents opens from the header too, and its links jump within the page.
    page.locator(".mobile-header label.toc-header-icon").click()
    page.wait_for_function("""() => {
        const box = document.querySelector('.toc-drawer').getBoundingClientRect();
        return box.right <= window.innerWidth + 1 && box.width > 100; }""")
    entries = page.locator(".toc-drawer .toc-tree a.reference")
    entry = entries.nth(entries.count() // 2)
    target = entry.get_attribute("href")
    assert page.evaluate(f"document.getElementById({target[1:]!r}).getBoundingClientRect().top") > 844, \
        f"pick a TOC entry below the first screen; {target} is already in view"
    entry.click()
    page.wait_for_function(f"() => location.hash === {target!r}")
    page.wait_for_function(f"""() => {{
        const top = document.getElementById({target[1:]!r}).getBoundingClientRect().top;
        return top >= -5 && top < window.innerHeight / 2; }}""")
    assert not page.locator("#__toc").is_checked(), "the table of contents stays open after a jump"
    tab.assert_clean("phone navigation")


def test_keyboard_scrolls_a_wide_block_and_arrows_turn_pages(open_tab, built_site):
    """A code block or table too wide for the page takes keyboard focus and scrolls with the
    arrow keys; elsewhere the arrow keys turn pages (navigation_with_keys)."""
    tab = open_tab()
    page = tab.page
    candidates = [HOW_TO] + sorted(p.relative_to(built_site).as_posix()
                                   for p in (built_site / "training").rglob("*.html"))
    for path in candidates:
        tab.goto(path)
        wide = page.locator('article [tabindex="0"]')
        if wide.count():
            break
    else:
        pytest.skip("no code block or table on the site is wider than the page")
    block = wide.first
    block.scroll_into_view_if_needed()
    block.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    assert tab.path() == path, "an arrow key in a wide block left the page"
    assert block.evaluate("el => el.scrollLeft") > 0, "the arrow keys did not scroll the wide block"

    next_page = page.evaluate("document.querySelector('link[rel=next]').href")  # absolute
    page.evaluate("document.activeElement.blur()")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("ArrowRight")
    assert page.url == next_page, "outside a wide block, the right arrow does not turn the page"
    tab.assert_clean("keyboard scrolling and page turning")
