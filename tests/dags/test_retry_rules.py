"""The DAGs name the exceptions that stop retries as strings (so DAG files import nothing heavy):
each string must name a real exception, and collect's list must be extract's NOT_RETRYABLE."""

from __future__ import annotations

import ast
import importlib
import re

from extract.exceptions import NOT_RETRYABLE
from tests.dags.conftest import DAGS

DOTTED_ERROR = re.compile(r"^[a-z_]+(?:\.[a-z_]+)+\.[A-Z]\w*Error$")


def _named_errors(source: str) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and DOTTED_ERROR.match(node.value)
    }


def test_every_exception_a_dag_names_exists() -> None:
    named = {n for path in DAGS.glob("*.py") for n in _named_errors(path.read_text())}
    assert named, "the DAGs name no exception: the pattern no longer finds them"
    for dotted in named:
        module, _, name = dotted.rpartition(".")
        cls = getattr(importlib.import_module(module), name, None)
        assert isinstance(cls, type) and issubclass(cls, Exception), dotted


def test_collect_stops_retrying_on_exactly_the_errors_extract_calls_not_retryable() -> None:
    named = _named_errors((DAGS / "collect_posts.py").read_text())
    assert named == {f"{c.__module__}.{c.__name__}" for c in NOT_RETRYABLE}
