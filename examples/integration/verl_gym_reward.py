"""A VeRL custom reward function that scores responses with a NeMo Gym resources server.

VeRL 0.9.1 loads ``reward.custom_reward_function.path`` / ``.name`` (default
``compute_score``) and calls it with keyword arguments ``data_source``,
``solution_str`` (the decoded response), ``ground_truth``
(``reward_model.ground_truth`` of the row) and ``extra_info``, plus anything
under ``reward.custom_reward_function.reward_kwargs``. A dict answer must hold
``score``; its other keys are logged (``verl/experimental/reward_loop/
reward_manager/naive.py``). The rows this function expects are written by
``prepare_prompts.py --format verl``, which stores the Gym task row as JSON in
``ground_truth``.

Point it at the resources server with
``+reward.custom_reward_function.reward_kwargs.verify_url=http://HOST:PORT``
or the ``GYM_VERIFY_URL`` environment variable. Stdlib only.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from gym_verify_client import DEFAULT_TIMEOUT_S, GymRequestError, GymVerifier


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict | None = None,
    verify_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    seed_session: bool = False,
    **kwargs: Any,
) -> dict:
    """Return ``{"score": reward, "gym_verify_failed": 0|1, "gym_mask_sample": 0|1}``."""
    url = verify_url or os.environ.get("GYM_VERIFY_URL")
    if not url:
        raise ValueError("set reward_kwargs.verify_url or GYM_VERIFY_URL to the resources server URL")
    verifier = GymVerifier(url, timeout=timeout, seed_session=seed_session)
    try:
        result = verifier.verify(ground_truth, solution_str)
    except GymRequestError as exc:
        print(f"[verl_gym_reward] {exc}", file=sys.stderr, flush=True)
        return {"score": 0.0, "gym_verify_failed": 1.0, "gym_mask_sample": 0.0}
    return {
        "score": float(result["reward"]),
        "gym_verify_failed": 0.0,
        "gym_mask_sample": 1.0 if result.get("mask_sample") else 0.0,
    }
