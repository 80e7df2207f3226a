"""Counting distinct voices: embeddings of speech windows, clustered by cosine distance.

Every speech stretch long enough is cut into 1.6 s windows (``step`` apart); each window gets a
GE2E embedding, and ``per_chunk`` consecutive windows of a stretch are averaged into one chunk
(2.4 s of speech: one window alone varies too much within one person's voice). Average-linkage
agglomerative clustering merges chunks while the two closest clusters are within ``threshold``
(cosine distance); a cluster only counts as a voice when it holds at least ``min_share`` of the
chunks (a few stray chunks are more often a cough, a laugh or two voices overlapping than a new
person). Speech too short for any window (under 1 s per stretch) counts as one voice. The
parameters were tuned on ``../shared/evalset/audio`` and on single turns of its turn-taking
recording (docs/EVALUATION.md, "Audio").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from proctor.audio.decode import SAMPLE_RATE
from proctor.audio.encoder import WINDOW_SAMPLES, SpeakerEncoder, volume_gain


@dataclass(frozen=True, slots=True)
class VoiceParams:
    threshold: float = 0.25  # cosine distance at which clusters stop merging
    step: float = 0.4  # seconds between window starts
    per_chunk: int = 3  # consecutive windows of a stretch averaged into one chunk
    min_share: float = 0.05  # share of the chunks a cluster needs to count as a voice


DEFAULT_VOICES = VoiceParams()
# Clustering costs grow with the cube of the chunks: beyond this many (about 16 minutes of
# speech), an even sample of them is clustered.
MAX_CHUNKS = 800


def speech_windows(
    samples: np.ndarray, segments: list[tuple[float, float]], step: float
) -> list[np.ndarray]:
    """1.6 s windows over each speech stretch; a stretch of 1-1.6 s gives one padded window."""
    hop = max(1, int(step * SAMPLE_RATE))
    windows: list[np.ndarray] = []
    for s, e in segments:
        a, b = int(s * SAMPLE_RATE), min(len(samples), int(e * SAMPLE_RATE))
        if b - a < SAMPLE_RATE:
            continue
        last = max(a, b - WINDOW_SAMPLES)
        starts = list(range(a, last + 1, hop))
        if starts[-1] < last:
            starts.append(last)
        windows.extend(samples[i : i + WINDOW_SAMPLES] for i in starts)
    return windows


def cluster(embeddings: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage agglomerative clustering on cosine distance; a label per embedding.

    The cluster similarities are updated in place (Lance-Williams), so each merge costs one
    pass over the clusters.
    """
    n = len(embeddings)
    labels = np.arange(n)
    if n < 2:
        return labels
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-9)
    sim = (unit @ unit.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    while alive.sum() > 1:
        a, b = np.unravel_index(int(np.argmax(sim)), sim.shape)
        if 1.0 - sim[a, b] > threshold:
            break
        merged = (sizes[a] * sim[a] + sizes[b] * sim[b]) / (sizes[a] + sizes[b])
        sim[a, :], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        sim[b, :], sim[:, b] = -np.inf, -np.inf
        sizes[a] += sizes[b]
        alive[b] = False
        labels[labels == b] = a
    return labels


def count_voices(labels: np.ndarray, min_share: float) -> int:
    """Clusters holding at least ``min_share`` of the chunks; one when there is no chunk."""
    if len(labels) == 0:
        return 1
    sizes = np.unique(labels, return_counts=True)[1]
    return max(1, int(np.sum(sizes >= min_share * len(labels))))


def embed_speech(
    encoder: SpeakerEncoder,
    samples: np.ndarray,
    segments: list[tuple[float, float]],
    params: VoiceParams = DEFAULT_VOICES,
) -> np.ndarray:
    """One unit vector per chunk of speech windows, each stretch first raised to -30 dBFS when
    quieter; chunks never span two stretches."""
    windows: list[np.ndarray] = []
    chunk_of: list[int] = []
    chunks = 0
    for s, e in segments:
        stretch = samples[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)]
        gain = volume_gain(stretch)
        these = speech_windows(samples, [(s, e)], params.step)
        windows.extend(w * gain for w in these)
        chunk_of.extend(chunks + i // params.per_chunk for i in range(len(these)))
        chunks += -(-len(these) // params.per_chunk)
    embeddings = encoder.embed(windows)
    sums = np.zeros((chunks, embeddings.shape[1]), dtype=np.float32)
    np.add.at(sums, np.asarray(chunk_of, dtype=np.intp), embeddings)
    norms = np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
    means: np.ndarray = sums / norms
    return means


def voices(
    encoder: SpeakerEncoder,
    samples: np.ndarray,
    segments: list[tuple[float, float]],
    params: VoiceParams = DEFAULT_VOICES,
) -> int:
    """How many distinct voices speak in ``segments`` of ``samples`` (0 without speech)."""
    if not segments:
        return 0
    embeddings = embed_speech(encoder, samples, segments, params)
    if len(embeddings) > MAX_CHUNKS:  # a long recording: chunks spread evenly over it
        embeddings = embeddings[np.linspace(0, len(embeddings) - 1, MAX_CHUNKS).astype(int)]
    return count_voices(cluster(embeddings, params.threshold), params.min_share)
