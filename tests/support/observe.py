"""What an operator sees of a running app: its log lines, as JSON, and its Prometheus metrics."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class LogLines:
    """The lines the app wrote while ``capture`` ran, formatted exactly as its configured handler formats them."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def events(self) -> list[dict[str, Any]]:
        """Every line, parsed as the JSON object it must be."""
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def named(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.events() if line.get("event") == event]


@contextmanager
def captured_logs() -> Iterator[LogLines]:
    """Copy what the root logger's handler writes (through its own formatter) into a ``LogLines``."""
    root = logging.getLogger()
    lines = LogLines()
    handler = logging.StreamHandler(lines.stream)
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    try:
        yield lines
    finally:
        root.removeHandler(handler)


async def scrape(client: AsyncClient) -> Samples:
    """``GET /metrics``, as ``{(sample name, labels): value}``."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def sample(samples: Samples, name: str, **labels: str) -> float:
    """The value of one sample; 0 when it was never recorded."""
    return samples.get((name, frozenset(labels.items())), 0.0)
