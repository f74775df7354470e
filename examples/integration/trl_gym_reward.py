"""A TRL GRPO reward function that scores completions with a NeMo Gym resources server.

TRL 1.16's ``GRPOTrainer`` calls each reward function with keyword arguments:
``prompts``, ``completions``, ``completion_ids``, every other dataset column
(one value per completion), and ``trainer_state``, ``log_extra`` and
``log_metric``. It expects one float per completion; ``None`` means "no reward
from this function" for that completion (``trl/trainer/grpo_trainer.py``,
``_calculate_rewards``), and a completion that no function scored gets zero
advantage. This function returns ``None`` when ``/verify`` fails and, by
default, when the verifier sets ``mask_sample``. The dataset this function expects is written by
``prepare_prompts.py --format trl``: a ``prompt`` column and a ``gym_task``
column holding the Gym task row as JSON.

Usage inside a training script that sits next to this file and
gym_verify_client.py (or that runs with examples/integration as its
working directory):

    from trl_gym_reward import make_gym_reward_func
    reward_func = make_gym_reward_func("http://127.0.0.1:18500")
    trainer = GRPOTrainer(model=..., reward_funcs=[reward_func], train_dataset=..., args=...)

This module does not import TRL; it is stdlib only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from gym_verify_client import DEFAULT_TIMEOUT_S, GymVerifier


def completion_text(completion: Any) -> str:
    """The text to verify: a standard completion string, or the last assistant message of a conversational one."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        for message in reversed(completion):
            if isinstance(message, dict) and message.get("role") == "assistant":
                content = message.get("content") or ""
                if isinstance(content, list):
                    return "".join(part.get("text", "") for part in content if isinstance(part, dict))
                return str(content)
    raise ValueError(f"cannot read a completion of type {type(completion).__name__}")


def make_gym_reward_func(
    verify_url: str,
    *,
    task_column: str = "gym_task",
    max_workers: int = 16,
    timeout: float = DEFAULT_TIMEOUT_S,
    seed_session: bool = False,
    failure_value: float | None = None,
    skip_masked: bool = True,
) -> Callable[..., list[float | None]]:
    """Build a reward function for ``GRPOTrainer(reward_funcs=[...])``.

    Args:
        verify_url: base URL of the resources server, e.g. ``http://127.0.0.1:18500``.
        task_column: the dataset column that holds each prompt's Gym task row.
        max_workers: concurrent ``/verify`` calls per batch.
        timeout: seconds per ``/verify`` call.
        seed_session: call ``/seed_session`` first (stateful servers only).
        failure_value: reward for a completion whose ``/verify`` failed; the
            default ``None`` makes TRL skip this function for that completion.
        skip_masked: return ``None`` for a completion whose verify response sets
            ``mask_sample`` (the reward is not a valid measurement, for example
            because a judge failed), so TRL leaves it out of training. With
            ``False`` the verifier's reward is returned as it is.
    """
    verifier = GymVerifier(verify_url, timeout=timeout, seed_session=seed_session)

    def gym_verify(prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
        if task_column not in kwargs:
            raise KeyError(
                f"the dataset has no {task_column!r} column; write it with "
                "prepare_prompts.py --format trl and keep GRPOConfig.remove_unused_columns=False"
            )
        tasks = kwargs[task_column]
        pairs = [(task, completion_text(completion)) for task, completion in zip(tasks, completions, strict=True)]
        rewards: list[float | None] = []
        for result in verifier.verify_many(pairs, max_workers=max_workers):
            if isinstance(result, dict):
                masked = skip_masked and bool(result.get("mask_sample"))
                rewards.append(None if masked else float(result["reward"]))
            else:
                print(f"[gym_verify] {result}", file=sys.stderr, flush=True)
                rewards.append(failure_value)
        return rewards

    gym_verify.__name__ = "gym_verify"
    return gym_verify
