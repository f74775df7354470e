"""Turn a NeMo Gym rollout's token ids into one training sequence, and check a rollouts file.

With ``return_token_id_information: true`` (set in
``responses_api_models/vllm_model/configs/vllm_model_for_training.yaml``), the
last output item of every model call carries ``prompt_token_ids``,
``generation_token_ids`` and ``generation_log_probs``
(``nemo_gym/openai_utils.py``, ``TokenIDLogProbMixin``). Each call's prompt
must start with every token of the calls before it; the tokens a later prompt
adds (tool results, the next user turn, chat-template glue) came from the
environment, not the policy, and get mask 0. NeMo RL builds its training
sequences the same way (``_postprocess_nemo_gym_to_nemo_rl_result`` in
``nemo_rl/environments/nemo_gym.py``).

Usage:
    python examples/integration/gym_token_ids.py ROLLOUTS.jsonl

prints how many rollouts carry token ids and how many stitch into one
contiguous sequence. Exit status: 0 when some rollouts carry token ids and
all of them stitch; 1 when none carries token ids, one does not stitch, or the
file cannot be read; 2 for a usage error. Stdlib only.
"""

from __future__ import annotations

import argparse
import sys

from rollout_io import EXIT_OK, EXIT_PROBLEMS, InputError, iter_jsonl, run_cli


class NonContiguousRollout(ValueError):
    """A model call's prompt does not extend the tokens of the calls before it."""


class MalformedTokenIds(ValueError):
    """A rollout's response or token-id fields do not have the types NeMo Gym writes."""


def _int_list(item: dict, key: str, where: str) -> list[int]:
    value = item.get(key)
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise MalformedTokenIds(f"{where}: {key} is not a list of integers")
    return value


def _number_list(item: dict, key: str, where: str) -> list[float]:
    value = item.get(key)
    if not isinstance(value, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        raise MalformedTokenIds(f"{where}: {key} is not a list of numbers")
    return value


def stitch_token_ids(result: dict) -> dict:
    """One rollout (a ``/run`` result or a line of a rollouts file) as one sequence.

    Returns ``prompt_ids`` (the first call's prompt), ``completion_ids`` (every
    token after it), ``completion_mask`` (1 for policy tokens, 0 for
    environment tokens), ``logprobs`` (the policy's log-probabilities, 0.0 on
    environment tokens), ``num_model_calls`` and ``reward``. Raises
    ``MalformedTokenIds`` when the response or a token-id field has the wrong
    type, ``ValueError`` when no output item carries token ids and
    ``NonContiguousRollout`` when a prompt does not extend what came before.
    """
    response = result.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("output"), list):
        raise MalformedTokenIds("response.output is not a list of output items")
    prompt_ids: list[int] | None = None
    completion_ids: list[int] = []
    completion_mask: list[int] = []
    logprobs: list[float] = []
    seen: list[int] = []
    calls = 0
    for position, item in enumerate(response["output"]):
        if not isinstance(item, dict) or not item.get("generation_token_ids"):
            continue
        where = f"response.output[{position}]"
        generated = _int_list(item, "generation_token_ids", where)
        prompt = _int_list(item, "prompt_token_ids", where)
        log_probs = _number_list(item, "generation_log_probs", where)
        if len(log_probs) != len(generated):
            raise MalformedTokenIds(
                f"{where}: {len(generated)} token ids but {len(log_probs)} log probs"
            )
        if prompt[: len(seen)] != seen:
            raise NonContiguousRollout(
                f"model call {calls}: its prompt does not start with the {len(seen)} tokens before it "
                "(re-tokenization or truncated history)"
            )
        if prompt_ids is None:
            prompt_ids = list(prompt)
        else:
            added = prompt[len(seen) :]
            completion_ids += added
            completion_mask += [0] * len(added)
            logprobs += [0.0] * len(added)
        completion_ids += generated
        completion_mask += [1] * len(generated)
        logprobs += log_probs
        seen = list(prompt) + list(generated)
        calls += 1
    if prompt_ids is None:
        raise ValueError("no output item carries generation_token_ids; collect with vllm_model_for_training.yaml")
    return {
        "prompt_ids": prompt_ids,
        "completion_ids": completion_ids,
        "completion_mask": completion_mask,
        "logprobs": logprobs,
        "num_model_calls": calls,
        "reward": result.get("reward"),
    }


def summarize(path: str) -> dict:
    """Count rollouts, rollouts with token ids, contiguous ones, and policy tokens.

    A line that is not a JSON object, or whose token ids have the wrong types,
    raises InputError naming the file and line.
    """
    summary = {"rollouts": 0, "with_token_ids": 0, "contiguous": 0, "non_contiguous": 0, "policy_tokens": 0}
    name = "<stdin>" if str(path) == "-" else str(path)
    for line_number, rollout in iter_jsonl(path):
        summary["rollouts"] += 1
        try:
            sequence = stitch_token_ids(rollout)
        except MalformedTokenIds as exc:
            raise InputError(f"{name}:{line_number}: {exc}") from None
        except NonContiguousRollout:
            summary["with_token_ids"] += 1
            summary["non_contiguous"] += 1
            continue
        except ValueError:
            continue
        summary["with_token_ids"] += 1
        summary["contiguous"] += 1
        summary["policy_tokens"] += sum(sequence["completion_mask"])
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the token ids in a NeMo Gym rollouts file")
    parser.add_argument("rollouts", help="rollouts JSONL ('-' for stdin)")
    args = parser.parse_args(argv)
    summary = summarize(args.rollouts)
    print(" ".join(f"{key}={value}" for key, value in summary.items()))
    return EXIT_OK if summary["with_token_ids"] and not summary["non_contiguous"] else EXIT_PROBLEMS


if __name__ == "__main__":
    sys.exit(run_cli(main))
