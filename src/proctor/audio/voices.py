"""Counting distinct voices: embeddings of speech windows, clustered by cosine distance.

The speech stretches are joined end to end (each first raised to -30 dBFS when quieter), so a
person speaking in short bursts with pauses (counting, reading line by line) gives windows full
of speech rather than one silence-padded window per burst. The joined speech is cut into 1.6 s
windows (``step`` apart); each window gets a GE2E embedding, and ``per_chunk`` consecutive
windows are averaged into one chunk (2.4 s of speech: one window alone varies too much within
one person's voice). Average-linkage agglomerative clustering merges chunks while the two closest
clusters are within ``threshold`` (cosine distance); a cluster only counts as a voice when it
holds at least ``min_share`` of the chunks and at least ``min_chunks`` of them (a few stray
chunks are more often a cough, a laugh, a burst of music or two voices overlapping than a new
person). Speech too short for any window (under 1 s in all) counts as one voice. The parameters
were chosen on ``../shared/evalset/audio`` and on cases cut from it: one person or two from its
turn-taking recordings, some after synthetic noise or music, and one person alone from its
meetings (``voice_cases``; docs/EVALUATION.md, "Audio").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from proctor.audio.decode import SAMPLE_RATE
from proctor.audio.encoder import WINDOW_SAMPLES, SpeakerEncoder, volume_gain


@dataclass(frozen=True, slots=True)
class VoiceParams:
    threshold: float = 0.26  # cosine distance at which clusters stop merging
    step: float = 0.4  # seconds between window starts
    per_chunk: int = 3  # consecutive windows averaged into one chunk
    min_share: float = 0.05  # share of the chunks a cluster needs to count as a voice
    min_chunks: int = 2  # and at least this many chunks (3.6 s of speech for two)


DEFAULT_VOICES = VoiceParams()
# Clustering costs grow with the cube of the chunks: beyond this many (a chunk every 1.2 s: about
# 16 minutes of speech), an even sample of them is clustered.
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


def count_voices(labels: np.ndarray, min_share: float, min_chunks: int = 1) -> int:
    """Clusters holding at least ``min_share`` of the chunks and at least ``min_chunks`` of
    them; one when there is none."""
    if len(labels) == 0:
        return 1
    sizes = np.unique(labels, return_counts=True)[1]
    return max(1, int(np.sum((sizes >= min_share * len(labels)) & (sizes >= min_chunks))))


def speech_only(samples: np.ndarray, segments: list[tuple[float, float]]) -> np.ndarray:
    """The speech stretches of ``samples`` joined end to end, each first raised to -30 dBFS
    when quieter."""
    parts = []
    for s, e in segments:
        stretch = samples[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)]
        parts.append(stretch * volume_gain(stretch))
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


def joined_windows(
    samples: np.ndarray, segments: list[tuple[float, float]], step: float
) -> list[np.ndarray]:
    """1.6 s windows ``step`` apart over the speech stretches joined end to end."""
    speech = speech_only(samples, segments)
    return speech_windows(speech, [(0.0, len(speech) / SAMPLE_RATE)], step)


def chunk_means(embeddings: np.ndarray, per_chunk: int) -> np.ndarray:
    """Unit means of every ``per_chunk`` consecutive embeddings (the last chunk may hold fewer)."""
    chunks = -(-len(embeddings) // per_chunk)
    sums = np.zeros((chunks, embeddings.shape[1]), dtype=np.float32)
    np.add.at(sums, np.arange(len(embeddings)) // per_chunk, embeddings)
    means: np.ndarray = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
    return means


def embed_speech(
    encoder: SpeakerEncoder,
    samples: np.ndarray,
    segments: list[tuple[float, float]],
    params: VoiceParams = DEFAULT_VOICES,
) -> np.ndarray:
    """One unit vector per chunk of ``per_chunk`` consecutive windows of the joined speech."""
    windows = joined_windows(samples, segments, params.step)
    return chunk_means(encoder.embed(windows), params.per_chunk)


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
    labels = cluster(embeddings, params.threshold)
    return count_voices(labels, params.min_share, params.min_chunks)
