"""Copy buttons put on the clipboard what runs as is: commands without prompts or output."""

from __future__ import annotations

import re

import pytest

from .helpers import HOW_TO, commands_only

pytestmark = pytest.mark.browser

CLIPBOARD = {"permissions": ["clipboard-read", "clipboard-write"]}
SENTINEL = "(clipboard not written)"


def copy_block(page, block) -> str:
    """Click the copy button of ``block`` (a ``div.highlight``) and return the clipboard."""
    page.evaluate("text => navigator.clipboard.writeText(text)", SENTINEL)
    block.scroll_into_view_if_needed()
    block.hover()
    block.locator("button.copybtn").click()
    page.wait_for_function("s => navigator.clipboard.readText().then(t => t !== s)", arg=SENTINEL)
    return page.evaluate("navigator.clipboard.readText()")


def block_text(block) -> str:
    return block.locator("pre").evaluate("pre => pre.textContent")


def pages_with_console_blocks(built_site) -> list[str]:
    pages = []
    for path in sorted(built_site.rglob("*.html")):
        if 'class="highlight-console' in path.read_text(encoding="utf-8"):
            pages.append(path.relative_to(built_site).as_posix())
    return pages


def test_a_command_is_copied_without_its_prompt(open_tab):
    tab = open_tab(**CLIPBOARD)
    page = tab.page
    tab.goto(HOW_TO)
    block = page.locator("div.highlight-console div.highlight").first
    shown = block_text(block)
    assert shown.startswith("$ "), f"the first console block of {HOW_TO} has no prompt: {shown[:80]!r}"
    copied = copy_block(page, block)
    assert copied == commands_only(shown)
    if len(re.findall(r"(?m)^\$ ", shown)) == 1 and not block.locator("pre .go").count():
        assert copied == shown.removeprefix("$ ").rstrip("\n"), "one command is copied whole, less its '$ '"
    assert not re.search(r"(?m)^\$ ", copied)
    assert page.locator("button.copybtn.success").count() == 1, "the button does not confirm the copy"
    tab.assert_clean("copying a command")


def test_output_lines_are_not_copied(open_tab, built_site):
    """A console block that shows a command's output copies only the command."""
    tab = open_tab(**CLIPBOARD)
    page = tab.page
    for path in pages_with_console_blocks(built_site):
        tab.goto(path)
        with_output = page.locator("div.highlight-console div.highlight", has=page.locator("pre .go"))
        if with_output.count():
            break
    else:
        pytest.skip("no console block on the site shows output")
    block = with_output.first
    output = [line for line in block.locator("pre .go").all_inner_texts() if line.strip()]
    copied = copy_block(page, block)
    assert copied == commands_only(block_text(block))
    for line in output:
        assert line not in copied.split("\n"), f"output line {line!r} of {path} was copied"


def test_python_prompts_and_output_are_stripped(open_tab):
    """The prompt settings cover Python sessions too (no page has one yet, so show one)."""
    tab = open_tab(**CLIPBOARD)
    page = tab.page
    tab.goto(HOW_TO)
    block = page.locator("div.highlight").first
    session = ">>> def double(x):\n...     return 2 * x\n...\n>>> double(21)\n42\n"
    block.locator("pre").evaluate("(pre, text) => { pre.textContent = text; }", session)
    assert copy_block(page, block) == "def double(x):\n    return 2 * x\n\ndouble(21)"


def test_every_console_block_copies_runnable_commands(open_tab, built_site):
    """Every console block on the site, through its own copy button (clicked from script:
    one mouse click per block would take a minute)."""
    tab = open_tab(**CLIPBOARD)
    page = tab.page
    checked, wrong = 0, []
    for path in pages_with_console_blocks(built_site):
        tab.goto(path)
        copies = page.evaluate("""async (sentinel) => {
            const results = [];
            for (const block of document.querySelectorAll('div.highlight-console div.highlight')) {
                await navigator.clipboard.writeText(sentinel);
                block.querySelector('button.copybtn').click();
                let copied = await navigator.clipboard.readText();
                for (let i = 0; copied === sentinel && i < 50; i++) {
                    await new Promise(r => setTimeout(r, 20));
                    copied = await navigator.clipboard.readText();
                }
                results.push([block.querySelector('pre').textContent, copied]);
            }
            return results;
        }""", SENTINEL)
        for index, (shown, copied) in enumerate(copies, start=1):
            checked += 1
            if copied != commands_only(shown) or re.search(r"(?m)^(\$|>>>) ", copied):
                wrong.append(f"{path} block {index}: copied {copied!r}, expected {commands_only(shown)!r}")
    assert checked, "no console blocks found"
    assert not wrong, "\n".join(wrong)
    tab.assert_clean("copying every console block")
