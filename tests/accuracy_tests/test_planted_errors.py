"""Each kind of false claim, planted in a page, is caught and located."""

from __future__ import annotations

from pathlib import Path

import pytest
from accuracy.blocks import parse_page

ROOT = Path(__file__).resolve().parents[2]


def findings_for(checker, text: str, path: Path = Path("page.md")) -> list[str]:
    return [f.format() for f in checker.check_page(parse_page(text, path), "page.md")]


def real_page(relative: str) -> str:
    return (ROOT / "docs" / "training" / relative).read_text(encoding="utf-8")


def test_misspelled_flag_in_a_real_page(checker):
    text = real_page("rollout-collection/optimize-throughput.md")
    assert "--concurrency" in text
    planted = text.replace("--concurrency", "--concurency", 1)
    line = planted.splitlines().index(next(text for text in planted.splitlines() if "--concurency" in text)) + 1
    found = findings_for(checker, planted)
    assert found[0].startswith(f"page.md:{line}: ERROR: '--concurency' is not an option of 'gym eval run'. "
                               "Did you mean '--concurrency'? [accuracy.option]")
    assert len(found) == 1


def test_invented_override_key(checker):
    text = "# T\n\n```console\n$ gym eval run --no-serve +input_jsonl_fpath=in.jsonl +num_samples=4\n```\n"
    assert findings_for(checker, text) == [
        "page.md:4: ERROR: '+num_samples' is not a key of RolloutCollectionConfig (gym eval run --no-serve) nor a "
        "reserved global key in nemo-gym 0.7.0. Did you mean 'num_samples_in_parallel'? [accuracy.override]"
    ]


def test_dropped_field_in_the_real_reference_table(checker):
    text = real_page("rollout-collection/configuration-reference.md")
    lines = text.splitlines()
    row = next(i for i, text in enumerate(lines) if text.startswith("| `limit`"))
    marker = max(i for i, text in enumerate(lines[:row]) if text.startswith("% docs-check: fields"))
    planted = "\n".join(lines[:row] + lines[row + 1:])
    assert f"page.md:{marker + 2}: ERROR: the RolloutCollectionConfig table leaves out 1 field(s): limit. " \
           "[accuracy.fields]" in findings_for(checker, planted)


def test_wrong_default_and_invented_field(checker):
    text = ("# T\n\n% docs-check: fields nemo_gym/rollout_collection.py:RolloutAggregationConfig\n"
            "| Field | Default |\n| --- | --- |\n| `made_up_field` | `None` |\n")
    found = findings_for(checker, text)
    assert "page.md:6: ERROR: 'made_up_field' is not a field of RolloutAggregationConfig in nemo-gym 0.7.0. " \
           "[accuracy.fields]" in found
    assert any("the RolloutAggregationConfig table leaves out" in f for f in found)


def test_made_up_error_message(checker):
    text = "# T\n\n% docs-check: message\n```text\nRollout collection exploded because of <reason>\n```\n"
    assert findings_for(checker, text) == [
        "page.md:5: ERROR: 'Rollout collection exploded because of' is not text that nemo-gym 0.7.0 prints or "
        "raises; quote the message exactly and write variable parts as <name>. [accuracy.message]"
    ]


def test_made_up_message_in_a_message_column(checker):
    text = "# T\n\n| Message | Fix |\n| --- | --- |\n| `The gym fell over` | Restart |\n"
    assert findings_for(checker, text) == [
        "page.md:5: ERROR: 'The gym fell over' is not text that nemo-gym 0.7.0 prints or raises; quote the message "
        "exactly and write variable parts as <name>. [accuracy.message]"
    ]


def test_broken_python_block(checker):
    text = "# T\n\n```python\ndef verify(self, body)\n    return 1\n```\n"
    assert findings_for(checker, text) == [
        "page.md:4: ERROR: this Python block does not parse: expected ':'. [accuracy.syntax]"
    ]


def test_import_of_a_name_the_wheel_lacks(checker):
    text = "# T\n\n```python\nfrom nemo_gym.base_resources_server import SimpleResourceServer\n```\n"
    assert findings_for(checker, text) == [
        "page.md:4: ERROR: 'nemo_gym.base_resources_server' has no name 'SimpleResourceServer' in nemo-gym 0.7.0. "
        "Did you mean 'SimpleResourcesServer'? [accuracy.import]"
    ]


def test_unknown_command_and_legacy_alias(checker):
    text = "# T\n\n```console\n$ gym eval collect --limit 5\n$ ng_collect_rollout +limit=5\n```\n"
    found = findings_for(checker, text)
    assert found[0] == ("page.md:4: ERROR: 'gym eval collect' is not a command of nemo-gym 0.7.0. Did you mean "
                        "'gym eval profile'? [accuracy.command]")
    assert found[1].startswith("page.md:5: ERROR: 'ng_collect_rollout' is not a NeMo Gym command")


@pytest.mark.parametrize("language, body, what", [
    ("yaml", "a: [1, 2", "YAML"), ("json", '{"a": 1,}', "JSON"), ("toml", "a = ", "TOML"),
])
def test_data_blocks_that_do_not_parse(checker, language, body, what):
    [finding] = findings_for(checker, f"# T\n\n```{language}\n{body}\n```\n")
    assert finding.startswith("page.md:") and f"this {what} block does not parse" in finding


def test_rollout_example_checked_against_the_schema(checker):
    text = '# T\n\n% docs-check: rollout\n```json\n{"reward": "high"}\n```\n'
    found = findings_for(checker, text)
    assert found and all("[accuracy.rollout]" in f for f in found)


def test_opt_outs_are_counted_not_checked(checker):
    text = "# T\n\n% docs-check: skip (shows a typo on purpose)\n```console\n$ gym eval run --concurency 2\n```\n"
    assert findings_for(checker, text) == []
    assert checker.counts["opt-outs"] == 1


def test_a_stray_marker_is_reported(checker):
    assert findings_for(checker, "# T\n\n% docs-check: message\n\nSome prose.\n") == [
        "page.md:3: ERROR: marker 'docs-check: message' is not directly above a code block or table. "
        "[accuracy.marker]"
    ]
