"""Reading a server's ``/metrics``: samples by name and labels, differences, histogram figures."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Scrape:
    samples: dict[Key, float]

    def get(self, name: str, **labels: str) -> float:
        """One sample, or the sum over every label set that includes ``labels``."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == name and want <= set(ls))

    def minus(self, before: Scrape) -> Scrape:
        keys = set(self.samples) | set(before.samples)
        return Scrape({k: self.samples.get(k, 0.0) - before.samples.get(k, 0.0) for k in keys})

    def plus(self, other: Scrape) -> Scrape:
        keys = set(self.samples) | set(other.samples)
        return Scrape({k: self.samples.get(k, 0.0) + other.samples.get(k, 0.0) for k in keys})

    def histogram_mean(self, name: str, **labels: str) -> float | None:
        count = self.get(f"{name}_count", **labels)
        return self.get(f"{name}_sum", **labels) / count if count else None

    def histogram_quantile(self, name: str, q: float, **labels: str) -> float | None:
        """Upper bound of the bucket holding quantile ``q`` (what Prometheus' buckets allow)."""
        buckets: dict[float, float] = {}
        want = set(labels.items())
        for (n, ls), v in self.samples.items():
            if n == f"{name}_bucket" and want <= set(ls):
                le = float(dict(ls)["le"])
                buckets[le] = buckets.get(le, 0.0) + v
        total = buckets.get(float("inf"), 0.0)
        if total <= 0:
            return None
        for le in sorted(buckets):
            if buckets[le] >= q * total:
                return le
        return None


def parse(text: str) -> Scrape:
    samples: dict[Key, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = float(s.value)
    return Scrape(samples)


async def scrape(http: httpx.AsyncClient, url: str) -> Scrape:
    r = await http.get(f"{url.rstrip('/')}/metrics", timeout=30)
    r.raise_for_status()
    return parse(r.text)
