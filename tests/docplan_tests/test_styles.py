"""The badge stylesheet is generated from the plan's content types."""

from __future__ import annotations

from docplan.styles import PALETTE, badge_class, badge_css


def test_every_content_type_gets_its_class_with_light_and_dark_colours():
    css = badge_css(["explanation", "how-to", "reference", "tutorial"])
    for name in ("explanation", "how-to", "reference", "tutorial"):
        rules = [line for line in css.splitlines() if f".docplan-badge-{name} " in line]
        assert len(rules) == 3, f"{name}: light, dark and auto-dark rules expected, got {rules}"
    fg, bg, dark_fg, dark_bg = PALETTE[3]
    assert f".docplan-badge-tutorial {{ --docplan-badge-fg: {fg}; --docplan-badge-bg: {bg}; }}" in css
    assert f'body[data-theme="dark"] .docplan-badge-tutorial {{ --docplan-badge-fg: {dark_fg}; ' in css
    assert css.startswith("/* Content-type badge") and ".docplan-meta {" in css


def test_no_content_type_means_only_the_base_rules():
    css = badge_css([])
    assert ".docplan-badge {" in css and "--docplan-badge-fg:" not in css.split(".docplan-badge {")[1].split("}")[1]


def test_a_type_name_becomes_a_safe_class_name():
    assert badge_class("how-to") == "docplan-badge-how-to"
    assert badge_class("Quick Start!") == "docplan-badge-quick-start"
    assert badge_class("{}") == "docplan-badge-type"
