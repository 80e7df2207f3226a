"""What a simulated client sent and how the server's acks came back."""

from __future__ import annotations

from typing import Any, Self


class AckCounts:
    """Shared by the frame and audio counts (dataclasses of int counters and ``errors``):
    ``add`` sums another client's, field by field; ``note_refusal`` records why an ack said no."""

    errors: dict[str, int]

    def add(self, other: Self) -> None:
        for name, mine in vars(self).items():
            theirs = getattr(other, name)
            if isinstance(mine, dict):
                for k, v in theirs.items():
                    mine[k] = mine.get(k, 0) + v
            else:
                setattr(self, name, mine + theirs)

    def note_refusal(self, ack: Any) -> None:
        reason = str(ack.get("error") if isinstance(ack, dict) else ack)
        self.errors[reason] = self.errors.get(reason, 0) + 1
