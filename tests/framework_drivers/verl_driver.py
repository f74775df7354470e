"""Load prepare_prompts.py --format verl output with VeRL 0.9.1's ``RLHFDataset``.

Kind ``verl``: each file is read by ``RLHFDataset`` with the data settings
the page's command line gives (``data.prompt_key=prompt``,
``data.max_prompt_length``, ``data.filter_overlong_prompts``); every item is
built and ``collate_fn`` runs over all of them. The reward fields that VeRL's
reward manager reads (``data_source``, ``reward_model.ground_truth``) must
come through.
"""

from __future__ import annotations

import sys
import tempfile

import datasets
from common import Report, read_manifest
from omegaconf import OmegaConf
from tiny_model import tiny_tokenizer
from verl.utils.dataset.rl_dataset import RLHFDataset, collate_fn


def main() -> int:
    manifest = read_manifest()
    report = Report()
    tokenizer = tiny_tokenizer()
    datasets.disable_caching()  # nothing to reuse between runs; saves writing cache files
    config = OmegaConf.create(
        {
            "prompt_key": "prompt",
            # Longer than any example prompt: a row filtered out can only mean it was not accepted.
            "max_prompt_length": 1_000_000,
            "filter_overlong_prompts": True,
            "filter_overlong_prompts_workers": 1,
            "truncation": "error",
            "cache_dir": tempfile.mkdtemp(prefix="verl-cache-"),
        }
    )

    def load(paths: list[str]) -> int:
        dataset = RLHFDataset(paths, tokenizer, config)
        rows = 0
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                rows += sum(1 for line in handle if line.strip())
        assert len(dataset) == rows, f"VeRL kept {len(dataset)} of {rows} rows"
        items = [dataset[index] for index in range(len(dataset))]
        for item in items:
            assert item["raw_prompt"] and item["raw_prompt"][-1]["role"] == "user", item["raw_prompt"]
            assert item["data_source"] and item["reward_model"]["ground_truth"]
        for start in range(0, len(items), 8):
            batch = collate_fn(items[start : start + 8])
            assert len(batch["raw_prompt"]) == len(items[start : start + 8])
        return len(items)

    # data.train_files takes a list: one RLHFDataset reads every file, as VeRL does. When
    # that fails, each file is loaded alone to name the one VeRL does not accept.
    paths = manifest.get("verl", [])
    together = Report()
    together.run("verl", "all files", lambda _: load(paths))
    if together.kinds["verl"]["failures"]:
        for path in paths:
            report.run("verl", path, lambda path: load([path]))
    else:
        report.kinds["verl"] = {**together.kinds["verl"], "files": len(paths)}
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
