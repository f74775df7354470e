"""The numeric_answer resources server: word problems whose answer is a number.

Save this file as resources_servers/numeric_answer/app.py, with reward_helpers.py
next to it. NeMo Gym starts the server with its own folder on the Python path, so
the helpers are imported by their bare module name.
"""

from pathlib import Path
from typing import ClassVar

from nemo_gym.base_resources_server import (
    BaseResourcesServerConfig,
    BaseVerifyRequest,
    BaseVerifyResponse,
    ReverifyMode,
    SimpleResourcesServer,
)
from nemo_gym.verifier_fixture import VerifierFixture
from pydantic import ConfigDict
from reward_helpers import extract_answer, extract_number, numbers_match, parse_number


class NumericAnswerResourcesServerConfig(BaseResourcesServerConfig):
    # verify() reads only its request, so `gym eval reverify` may rescore old rollouts.
    REVERIFY_MODE: ClassVar[ReverifyMode] = ReverifyMode.STATELESS


class NumericAnswerVerifyRequest(BaseVerifyRequest):
    # Keep the row's other fields, so they are echoed into the rollout.
    model_config = ConfigDict(extra="allow")

    expected_answer: str


class NumericAnswerVerifyResponse(BaseVerifyResponse):
    model_config = ConfigDict(extra="allow")

    extracted_answer: str | None = None
    answer_found: bool = False


def mask_broken_reference(body: NumericAnswerVerifyRequest) -> NumericAnswerVerifyResponse:
    """Keep a row whose reference is not a number out of the training signal, and say why."""
    data = body.model_dump()
    # NeMo Gym's metrics read the top-level mask_sample; NeMo RL reads instance_config.mask_sample.
    data["instance_config"] = {**(data.get("instance_config") or {}), "mask_sample": True}
    return NumericAnswerVerifyResponse(
        **data,
        reward=0.0,
        mask_sample=True,
        failure_kind="numeric_answer:bad_reference",
        failure_reason=f"expected_answer {body.expected_answer!r} is not a number",
    )


class NumericAnswerVerifier:
    rel_tol: float = 1e-6  # how close a number must be to count as equal

    async def verify(self, body: NumericAnswerVerifyRequest) -> NumericAnswerVerifyResponse:
        expected = parse_number(body.expected_answer)
        if expected is None:
            # The task row is broken, not the model.
            return mask_broken_reference(body)

        extracted = extract_answer(body.response.output_text)
        predicted = extract_number(extracted)
        correct = numbers_match(predicted, expected, rel_tol=self.rel_tol)
        return NumericAnswerVerifyResponse(
            **body.model_dump(),
            reward=1.0 if correct else 0.0,
            extracted_answer=extracted,
            answer_found=predicted is not None,
        )


class NumericAnswerResourcesServer(NumericAnswerVerifier, SimpleResourcesServer):
    ray_enabled = False
    config: NumericAnswerResourcesServerConfig


VERIFIER_FIXTURE = VerifierFixture(
    server_factory=NumericAnswerVerifier,
    request_model=NumericAnswerVerifyRequest,
    cases_path=Path(__file__).parent / "tests" / "verifier_cases.jsonl",
)


if __name__ == "__main__":
    NumericAnswerResourcesServer.run_webserver()
