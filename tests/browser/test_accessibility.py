"""axe-core finds no serious or critical accessibility violations on any page, in either theme."""

from __future__ import annotations

import json

import pytest

from .helpers import new_tab, source_pages

pytestmark = pytest.mark.browser

PAGES = source_pages()
BLOCKING = {"serious", "critical"}


def axe_violations(tab, axe_source, options: dict | None = None) -> list[dict]:
    """The serious and critical violations axe finds on the open page.

    Only violations are processed and sent back: the full result (every passing
    node) costs more to serialise than the scan itself.
    """
    page = tab.page
    page.add_script_tag(path=str(axe_source))
    return page.evaluate("""async ([options, blocking]) => {
        const result = await axe.run(document, {...options, resultTypes: ["violations"]});
        return result.violations.filter(v => blocking.includes(v.impact)).map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, count: v.nodes.length,
            nodes: v.nodes.slice(0, 5).map(n => ({target: n.target, summary: n.failureSummary || ""})),
        }));
    }""", [options or {}, sorted(BLOCKING)])


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    {json.dumps(node['target'])}: {' '.join(node['summary'].split())}")
        if violation["count"] > len(violation["nodes"]):
            lines.append(f"    ... and {violation['count'] - len(violation['nodes'])} more")
    return "\n".join(lines)


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_violations_in_light_mode(shared_tab, built_site, axe_source, path):
    """Every axe rule (WCAG 2.x A/AA and best practices) on the page as it first loads."""
    if not (built_site / path).is_file():
        pytest.skip(f"{path} was not built")
    shared_tab.goto(path)
    violations = axe_violations(shared_tab, axe_source)
    assert not violations, f"{path}:\n{describe(violations)}"


@pytest.fixture(scope="module")
def dark_tab(browser, base_url):
    context, tab = new_tab(browser, base_url, color_scheme="dark")
    context.add_init_script("localStorage.setItem('theme', 'dark')")
    yield tab
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_text_contrast_in_dark_mode(dark_tab, built_site, axe_source, path):
    """Dark mode changes colours only, so its scan is the colour-contrast rule."""
    if not (built_site / path).is_file():
        pytest.skip(f"{path} was not built")
    dark_tab.reset()
    dark_tab.goto(path)
    assert dark_tab.page.evaluate("document.body.dataset.theme") == "dark"
    violations = axe_violations(dark_tab, axe_source, {"runOnly": {"type": "rule", "values": ["color-contrast"]}})
    assert not violations, f"{path} (dark):\n{describe(violations)}"
