"""Load converted files with TRL 1.16 as the pages say, and train one real step on each kind.

Kinds: ``sft*`` (rollouts_to_sft.py output), ``dpo*`` except ``dpo_openrlhf``
(rollouts_to_dpo.py output in TRL's format), ``grpo`` (prepare_prompts.py
--format trl output). Each file is
loaded with ``datasets.load_dataset("json", ...)`` and prepared by the
trainer's own code (chat template, tokenization, its data collator over every
record). One ``SFTTrainer`` step then runs on all SFT files' records together and
one ``DPOTrainer`` step on the first file of each DPO kind; with ``verify_url`` set, one ``GRPOTrainer`` step runs whose
reward function is trl_gym_reward.make_gym_reward_func against that server.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import datasets
from common import Report, read_manifest
from tiny_model import tiny_model, tiny_tokenizer
from trl import DPOConfig, DPOTrainer, GRPOConfig, GRPOTrainer, SFTConfig, SFTTrainer

MAX_LENGTH = 256
COMMON = {
    "max_steps": 1,
    "per_device_train_batch_size": 2,
    "report_to": [],
    "use_cpu": True,
    "save_strategy": "no",
    "logging_strategy": "no",
    "disable_tqdm": True,
    "dataloader_num_workers": 0,
}


def load(path: str) -> datasets.Dataset:
    return datasets.load_dataset("json", data_files=path, split="train")


def iterate_batches(trainer) -> int:
    """Run every record through the trainer's collator; return the record count."""
    count = 0
    for batch in trainer.get_train_dataloader():
        count += len(batch["input_ids"])
    return count


def main() -> int:
    manifest = read_manifest()
    report = Report()
    out = Path(tempfile.mkdtemp(prefix="trl-driver-"))
    tokenizer = tiny_tokenizer()
    datasets.disable_progress_bars()
    prepared: dict[str, list] = {"sft": [], "dpo": [], "dpo_step": []}

    sft_args = SFTConfig(output_dir=str(out / "sft"), max_length=MAX_LENGTH, **COMMON)

    def load_sft(path: str) -> int:
        raw = load(path)
        trainer = SFTTrainer(
            model=tiny_model(tokenizer), args=sft_args, train_dataset=raw,
            processing_class=tokenizer,
        )
        assert len(trainer.train_dataset) == len(raw), "TRL dropped rows"
        prepared["sft"].append(trainer.train_dataset)
        seen = iterate_batches(trainer)
        assert seen == len(trainer.train_dataset), (seen, len(trainer.train_dataset))
        return seen

    # With keep_start truncation TRL drops DPO rows whose prompt fills max_length; keep_end
    # keeps every row, so a dropped row can only mean the data was not accepted.
    dpo_args = DPOConfig(
        output_dir=str(out / "dpo"), max_length=MAX_LENGTH, truncation_mode="keep_end", **COMMON
    )

    def load_dpo(path: str) -> int:
        raw = load(path)
        trainer = DPOTrainer(
            model=tiny_model(tokenizer), ref_model=tiny_model(tokenizer), args=dpo_args,
            train_dataset=raw, processing_class=tokenizer,
        )
        assert len(trainer.train_dataset) == len(raw), "TRL dropped rows"
        count = 0
        for batch in trainer.get_train_dataloader():
            count += len(batch["prompt_input_ids"]) if "prompt_input_ids" in batch else len(
                batch["input_ids"]) // 2
        assert count == len(trainer.train_dataset), (count, len(trainer.train_dataset))
        if not prepared["dpo_step"]:  # one real optimisation step, on the first file
            assert trainer.train().global_step == 1
            prepared["dpo_step"].append(path)
        return count

    for kind, paths in manifest.items():
        if kind.startswith("sft"):
            for path in paths:
                report.run(kind, path, load_sft)
        elif kind.startswith("dpo") and kind != "dpo_openrlhf":
            prepared["dpo_step"] = []  # one training step for each kind of DPO file
            for path in paths:
                report.run(kind, path, load_dpo)
            report.note(kind, "train_step_on", prepared["dpo_step"])

    def sft_step(_: str) -> int:
        """One real optimisation step on the records of every SFT file together."""
        # The tokenized columns the trainer made; the raw ones differ in type between files.
        columns = set.intersection(*(set(d.column_names) for d in prepared["sft"]))
        tokenized = sorted(c for c in columns if c.endswith(("ids", "mask", "labels")))
        merged = datasets.concatenate_datasets(
            [d.select_columns(tokenized) for d in prepared["sft"]]
        ).shuffle(seed=0)
        trainer = SFTTrainer(
            model=tiny_model(tokenizer), args=sft_args, train_dataset=merged,
            processing_class=tokenizer,
        )
        assert trainer.train().global_step == 1
        return len(merged)

    if prepared["sft"]:
        report.run("sft_train_step", f"{len(prepared['sft'])} files", sft_step)

    verify_url = os.environ.get("GYM_VERIFY_URL")

    def load_grpo(path: str) -> int:
        data = load(path)
        assert {"prompt", "gym_task"} <= set(data.column_names), data.column_names
        for row in data:  # what GRPOTrainer renders, and what the reward function sends back
            tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
            assert json.loads(row["gym_task"])["responses_create_params"]
        return len(data)

    for path in manifest.get("grpo", []):
        report.run("grpo", path, load_grpo)
    if verify_url and manifest.get("grpo_step"):
        sys.path.insert(0, os.environ["EXAMPLES_INTEGRATION"])
        from trl_gym_reward import make_gym_reward_func

        def grpo_step(path: str) -> int:
            data = load(path)
            reward = make_gym_reward_func(verify_url)
            calls = []

            def counted(**kwargs):
                values = reward(**kwargs)
                calls.append(values)
                return values

            counted.__name__ = "gym_reward"
            args = GRPOConfig(
                output_dir=str(out / "grpo"), num_generations=2, max_completion_length=4,
                per_device_train_batch_size=2, generation_batch_size=2, max_steps=1,
                report_to=[], use_cpu=True, save_strategy="no", logging_strategy="no",
                disable_tqdm=True,
            )
            trainer = GRPOTrainer(
                model=tiny_model(tokenizer), reward_funcs=[counted], args=args,
                train_dataset=data, processing_class=tokenizer,
            )
            trainer.train()
            assert calls and all(v is not None for values in calls for v in values), calls
            report.note("grpo_step", "rewards", [v for values in calls for v in values])
            return len(calls[0])

        for path in manifest["grpo_step"]:
            report.run("grpo_step", path, grpo_step)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
