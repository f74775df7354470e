"""The runtime's failure messages: why a start exited, from a log that seven servers share."""

from __future__ import annotations

from .runtime import failure_summary

# What a start prints when its servers find their venv half-installed (a shortened real log).
EXITED_START = """\
0 / 7 servers ready. Waiting for servers to spin up: ['example_single_tool_call', 'mcqa']
Traceback (most recent call last):
  File "resources_servers/mcqa/app.py", line 19, in <module>
    from fastapi import FastAPI
ModuleNotFoundError: No module named 'fastapi'
Traceback (most recent call last):
  File "resources_servers/example_single_tool_call/app.py", line 17, in <module>
    from fastapi import FastAPI
ModuleNotFoundError: No module named 'fastapi'
(policy_model) asyncio.exceptions.CancelledError
Found ulimit of 1024 and failed to raise it. This can cause fd limit errors like `OSError: [Errno 24]`.
    raise RuntimeError(print_str)
RuntimeError: Process `example_single_tool_call` finished unexpectedly!
""" + "INFO:     Shutting down\n" * 400


def test_failure_summary_lists_each_exception_line_once_before_the_tail():
    summary = failure_summary(EXITED_START, tail=200)
    listed, tail = summary.split("--- log tail\n")
    assert listed.splitlines() == [
        "exceptions in the log:",
        "  ModuleNotFoundError: No module named 'fastapi'",
        "  (policy_model) asyncio.exceptions.CancelledError",
        "  RuntimeError: Process `example_single_tool_call` finished unexpectedly!",
    ]
    assert tail == EXITED_START[-200:]


def test_failure_summary_is_the_tail_alone_when_no_exception_was_printed():
    log = "Waiting for servers to spin up\n" * 300
    assert failure_summary(log) == log[-4000:]


def test_failure_summary_lists_at_most_ten_exception_lines():
    log = "".join(f"ValueError: case {n}\n" for n in range(15))
    assert failure_summary(log).count("ValueError") == 10 + log[-4000:].count("ValueError")
