"""Tests for the numeric_answer verifier. `gym env test --resources-server numeric_answer` runs them."""

import asyncio

from nemo_gym.verifier_fixture import exercise_verifier_fixture

from ..app import VERIFIER_FIXTURE, NumericAnswerVerifier, NumericAnswerVerifyRequest
from ..reward_helpers import extract_answer


def test_verifier_fixture() -> None:
    asyncio.run(
        exercise_verifier_fixture(
            VERIFIER_FIXTURE,
            reward_range=(0.0, 1.0),
            higher_is_better=True,
            determinism="unknown",
        )
    )


def _request(text: str, expected_answer: str) -> NumericAnswerVerifyRequest:
    return NumericAnswerVerifyRequest.model_validate(
        {
            "responses_create_params": {"input": "What is 6 x 7?"},
            "response": {
                "id": "resp_test",
                "created_at": 0,
                "model": "test",
                "object": "response",
                "output": [
                    {
                        "id": "msg_test",
                        "type": "message",
                        "role": "assistant",
                        "status": "completed",
                        "content": [{"type": "output_text", "text": text, "annotations": []}],
                    }
                ],
                "parallel_tool_calls": False,
                "tool_choice": "auto",
                "tools": [],
            },
            "expected_answer": expected_answer,
        }
    )


def _verify(text: str, expected_answer: str):
    return asyncio.run(NumericAnswerVerifier().verify(_request(text, expected_answer)))


def test_last_answer_label_wins() -> None:
    assert extract_answer("Answer: 3\nAnswer: 4") == "4"


def test_accepts_equivalent_numbers() -> None:
    result = _verify("Answer: 1,250.0", "1250")
    assert result.reward == 1.0
    assert result.extracted_answer == "1,250.0"


def test_does_not_reward_a_list_of_candidates() -> None:
    # A response that hedges between numbers gets no credit, even with the right one first.
    result = _verify("Answer: 42 or 41", "42")
    assert result.reward == 0.0
    assert result.answer_found is False


def test_masks_a_broken_reference() -> None:
    result = _verify("Answer: 42", "forty-two")
    assert result.mask_sample is True
    assert result.failure_kind == "numeric_answer:bad_reference"
    assert result.model_dump()["instance_config"] == {"mask_sample": True}
