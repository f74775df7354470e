"""What the reader extracts from the nemo-gym wheel, checked against the source itself."""

from __future__ import annotations

import os
import re
from pathlib import Path

from accuracy.source import CLI_HELP_KEYS, COMMAND_CONFIGS, GLOBAL_CONFIG_CLASSES, REQUIRED


def test_every_flag_expression_was_understood(facts):
    assert facts.unresolved == []


def test_eval_run_flags_and_the_keys_they_set(facts):
    run = facts.commands["eval run"]
    assert run.option("--concurrency").key == "num_samples_in_parallel"
    assert run.option("-a").names == ["--agent", "-a"]
    assert run.option("--no-serve").takes_value is False
    assert run.option("--temperature").key == "responses_create_params.temperature"
    assert run.option("--resume").key == "resume_from_cache"


def test_legacy_aliases(facts):
    assert facts.legacy["ng_collect_rollouts"] == ["eval", "run", "--no-serve"]
    assert facts.legacy["ng_prepare_data"] == ["dataset", "collate"]


def test_config_fields_include_inherited_ones(facts):
    fields = {f.name: f for f in facts.fields("nemo_gym/rollout_collection.py:RolloutCollectionConfig")}
    assert fields["input_jsonl_fpath"].default == REQUIRED
    assert fields["output_jsonl_fpath"].default == REQUIRED  # from SharedRolloutCollectionConfig
    assert fields["upload_rollouts"].default == "True"  # from UploadRolloutsConfigMixin
    assert fields["num_repeats"].default == "1"
    assert fields["environment_routing_mode"].default == "'agent'"


def test_each_command_config_class_is_used_by_its_command(facts, gym_release: Path):
    for command, (module, name) in COMMAND_CONFIGS.items():
        assert f"{module}:{name}" in facts.classes, command
        target = facts.commands[command.replace(" --no-serve", "")].target
        if ":" in target:  # a "module:function" target must reach the class through its module
            source = (gym_release / (target.split(":")[0].replace(".", "/") + ".py")).read_text()
            assert name in source or module.rsplit("/", 1)[-1][:-3] in source, command


def test_global_config_classes_read_the_global_config(facts, gym_release: Path):
    sources = "\n".join(p.read_text() for p in (gym_release / "nemo_gym").rglob("*.py"))
    for spec in GLOBAL_CONFIG_CLASSES:
        name = spec.split(":")[1]
        assert spec in facts.classes, spec
        assert re.search(rf"{name}\.model_validate\((global_config|get_global_config_dict)", sources) or \
            re.search(r"config_model\.model_validate\(global_config_dict\)", sources) and "Config(ExporterConfig)" in \
            (gym_release / "nemo_gym/config_types.py").read_text(), name


def test_help_keys_are_read_by_every_cli_config(gym_release: Path):
    source = (gym_release / "nemo_gym/config_types.py").read_text()
    for key in CLI_HELP_KEYS:
        assert f'data.get("{key}")' in source


def test_reserved_keys_are_resolved_strings(facts):
    assert "config_paths" in facts.reserved_keys and "ray_head_node_address" in facts.reserved_keys
    assert all(isinstance(k, str) and k for k in facts.reserved_keys)


def test_an_unavailable_release_is_a_clear_message(tmp_path, monkeypatch):
    import pytest
    from accuracy.gym_release import ReleaseUnavailable, release_dir

    monkeypatch.setenv("NEMO_GYM_DOCS_CACHE", str(tmp_path))
    # pip without any index or configuration fails at once and the same way online and offline.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    with pytest.raises(ReleaseUnavailable) as caught:
        release_dir("0.0.0.dev999")
    message = str(caught.value)
    assert message.startswith("could not download nemo-gym==0.0.0.dev999 from the package index")
    assert "NEMO_GYM_DOCS_CACHE" in message and "Traceback" not in message
