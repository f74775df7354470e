"""Load converted files with OpenRLHF 0.11.2's own dataset classes, as its CLIs do.

Kinds: ``sft*`` (rollouts_to_sft.py output, ``SFTDataset`` with
``--data.multiturn``), ``dpo_openrlhf`` (rollouts_to_dpo.py --format openrlhf
output, ``RewardDataset`` with ``is_dpo``) and ``prompts``
(prepare_prompts.py --format openrlhf output, ``PromptDataset``). Each file is
read with ``blending_datasets``, the CLIs' loader; every item is built and
``collate_fn`` runs over all of them. The flags are those the pages show.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

from common import Report, read_manifest
from openrlhf.datasets import PromptDataset, RewardDataset, SFTDataset
from openrlhf.datasets.utils import blending_datasets
from tiny_model import tiny_tokenizer

# Larger than any example record, so no row is left out for its length: a row that
# OpenRLHF leaves out can then only mean it did not accept the data.
MAX_LEN = 1_000_000


class Strategy:
    """The parts of OpenRLHF's strategy object the dataset classes read."""

    def __init__(self, **data: object) -> None:
        self.args = SimpleNamespace(data=SimpleNamespace(**data), use_ms=False)

    def print(self, *args: object) -> None:
        pass

    def is_rank_0(self) -> bool:
        return True


def load(path: str, strategy: Strategy):
    return blending_datasets(path, None, strategy, 42, max_count=1e8, dataset_split="train")


def collate_all(dataset) -> int:
    items = [dataset[index] for index in range(len(dataset))]
    for start in range(0, len(items), 8):
        dataset.collate_fn(items[start : start + 8])
    return len(items)


def main() -> int:
    manifest = read_manifest()
    report = Report()
    tokenizer = tiny_tokenizer()

    # deepspeed --module openrlhf.cli.train_sft --data.input_key messages
    #   --data.apply_chat_template --data.multiturn
    sft = Strategy(input_key="messages", output_key=None, apply_chat_template=True, multiturn=True)

    def load_sft(path: str) -> int:
        data = load(path, sft)
        dataset = SFTDataset(data, tokenizer, MAX_LEN, sft, multiturn=True, num_processors=None)
        assert len(dataset) == len(data), "OpenRLHF dropped rows"
        return collate_all(dataset)

    # deepspeed --module openrlhf.cli.train_dpo --data.prompt_key prompt_messages
    #   --data.chosen_key chosen_messages --data.rejected_key rejected_messages
    #   --data.apply_chat_template     (rollouts_to_dpo.py --format openrlhf)
    dpo = Strategy(
        prompt_key="prompt_messages",
        chosen_key="chosen_messages",
        rejected_key="rejected_messages",
        apply_chat_template=True,
    )

    def load_dpo(path: str) -> int:
        data = load(path, dpo)
        dataset = RewardDataset(data, tokenizer, MAX_LEN, dpo, is_dpo=True, num_processors=None)
        assert len(dataset) == len(data), "OpenRLHF dropped rows"
        for index in range(len(dataset)):  # the rendered texts, not lists
            assert isinstance(dataset.chosens[index], str), type(dataset.chosens[index])
            assert isinstance(dataset.rejects[index], str), type(dataset.rejects[index])
        return collate_all(dataset)

    # ray job submit ... openrlhf.cli.train_ppo_ray --data.input_key input --data.label_key label
    #   --data.apply_chat_template
    prompts = Strategy(input_key="input", label_key="label", apply_chat_template=True)

    def load_prompts(path: str) -> int:
        data = load(path, prompts)
        dataset = PromptDataset(data, tokenizer, prompts)
        assert len(dataset) == len(data)
        for _, _, label, _ in (dataset[i] for i in range(len(dataset))):
            assert isinstance(label, str) and label, "the label must be the task JSON"
        return collate_all(dataset)

    loaders = {"dpo_openrlhf": load_dpo, "prompts": load_prompts}
    for kind, paths in manifest.items():
        loader = load_sft if kind.startswith("sft") else loaders.get(kind)
        for path in paths if loader else []:
            report.run(kind, path, loader)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
