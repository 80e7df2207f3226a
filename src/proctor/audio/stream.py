"""A live WebM/Opus stream, as the candidate's MediaRecorder sends it, to 16 kHz mono samples.

The browser records the microphone alone with ``MediaRecorder`` (``audio/webm;codecs=opus``)
and sends each chunk it hands out (one a second) as it comes. A chunk is a piece of one
growing WebM file cut anywhere: the first holds the header, the next ones clusters whose size is
often unknown. ``WebmOpusDemuxer`` reads the elements as the bytes arrive, keeps what is left of
an element cut in two for the next chunk, and returns the Opus packets of the audio track;
``OpusStream`` decodes them to what the VAD and the speaker encoder take: 16 kHz, by libopus
(``libopus``; PyAV's copy, no system library needed), or with PyAV (FFmpeg's Opus decoder) and
resampled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from proctor.audio import libopus
from proctor.audio.decode import SAMPLE_RATE

if TYPE_CHECKING:
    import av

# Master elements read into (their children follow in the stream): Segment, Cluster, Tracks,
# TrackEntry, BlockGroup. Everything else is read whole or skipped.
_MASTERS = frozenset({0x18538067, 0x1F43B675, 0x1654AE6B, 0xAE, 0xA0})
_SIMPLE_BLOCK, _BLOCK = 0xA3, 0xA1
_TRACK_NUMBER, _CODEC_ID, _CODEC_PRIVATE = 0xD7, 0x86, 0x63A2
# No element a 1 s chunk of speech needs is this big (a chunk is ~3 KB at 24 kbit/s).
MAX_ELEMENT = 256 * 1024


class StreamError(ValueError):
    """Bytes that are not a WebM stream of Opus audio."""


def _vint(buf: bytes | bytearray, pos: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``pos``: (value, length), None if cut off; a size of
    all ones (unknown) comes back as -1."""
    if pos >= len(buf):
        return None
    first = buf[pos]
    if first == 0:
        raise StreamError("not an EBML stream (a variable-length integer longer than 8 bytes)")
    length = 9 - first.bit_length()
    if pos + length > len(buf):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for b in buf[pos + 1 : pos + length]:
        value = (value << 8) | b
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return -1, length
    return value, length


class WebmOpusDemuxer:
    """Opus packets out of WebM bytes fed in pieces, in order."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._started = False
        self.codec_private: bytes | None = None
        self.audio_track: int | None = None
        self._entry_track: int | None = None
        self._entry_codec: str | None = None

    def feed(self, data: bytes) -> list[bytes]:
        magic = bytes(self._buf + data[:4])[:4]
        if not self._started and len(magic) == 4 and magic != b"\x1a\x45\xdf\xa3":
            raise StreamError("the stream does not start with a WebM header")
        self._buf += data
        packets: list[bytes] = []
        pos = 0
        while True:
            head = _vint(self._buf, pos, keep_marker=True)
            if head is None:
                break
            element, id_len = head
            size_at = _vint(self._buf, pos + id_len, keep_marker=False)
            if size_at is None:
                break
            size, size_len = size_at
            body = pos + id_len + size_len
            self._started = True
            if element in _MASTERS:
                if element == 0xAE:
                    self._entry_track, self._entry_codec = None, None
                pos = body  # children follow
                continue
            if size < 0 or size > MAX_ELEMENT:
                raise StreamError(f"element {element:#x} of size {size} is not allowed here")
            if body + size > len(self._buf):
                break  # cut: the rest comes with the next chunk
            payload = bytes(self._buf[body : body + size])
            pos = body + size
            packet = self._element(element, payload)
            if packet is not None:
                packets.append(packet)
        del self._buf[:pos]
        if len(self._buf) > MAX_ELEMENT + 16:
            raise StreamError("an element larger than any audio chunk needs")
        return packets

    def _element(self, element: int, payload: bytes) -> bytes | None:
        if element == _TRACK_NUMBER:
            self._entry_track = int.from_bytes(payload, "big")
        elif element == _CODEC_ID:
            self._entry_codec = payload.decode("ascii", "replace").rstrip("\x00")
        elif element == _CODEC_PRIVATE and self._entry_codec in (None, "A_OPUS"):
            self.codec_private = payload
        if self._entry_codec == "A_OPUS" and self._entry_track is not None:
            self.audio_track = self._entry_track
        if element in (_SIMPLE_BLOCK, _BLOCK):
            return self._block(payload)
        return None

    def _block(self, payload: bytes) -> bytes | None:
        track = _vint(payload, 0, keep_marker=False)
        if track is None or len(payload) < track[1] + 3:
            raise StreamError("a block too short for its header")
        number, length = track
        if self.audio_track is not None and number != self.audio_track:
            return None  # another track (there is none in an audio-only recording)
        flags = payload[length + 2]
        if flags & 0x06:
            raise StreamError("laced blocks are not supported")
        return payload[length + 3 :] or None


class OpusStream:
    """WebM/Opus chunks in, 16 kHz mono float32 samples out: decoded by libopus at 16 kHz
    (``libopus``), or by FFmpeg's decoder and resampled where libopus is not found (or
    ``native=False``)."""

    def __init__(self, native: bool = True) -> None:
        self.demuxer = WebmOpusDemuxer()
        self.native = native and libopus.library() is not None
        self._native: libopus.OpusDecoder | None = None
        # FFmpeg's decoder and its resampler, made at the first packet where libopus is not used
        self._decoder: av.AudioCodecContext | None = None
        self._resampler: av.AudioResampler | None = None
        self.packets = 0

    def feed(self, data: bytes) -> np.ndarray:
        packets = self.demuxer.feed(data)
        if not self.native:
            return self._feed_ffmpeg(packets)
        if self._native is None and packets:
            self._native = libopus.OpusDecoder(self.demuxer.codec_private)
        if self._native is None:
            return np.zeros(0, dtype=np.float32)
        try:
            samples = self._native.decode(packets)
        except libopus.OpusError as exc:
            raise StreamError(str(exc)) from exc
        self.packets += len(packets)
        clipped: np.ndarray = np.clip(samples, -1.0, 1.0)
        return clipped

    def _feed_ffmpeg(self, packets: list[bytes]) -> np.ndarray:
        import av

        out: list[np.ndarray] = [np.zeros(0, dtype=np.float32)]
        decoded: list[av.AudioFrame] = []
        for packet in packets:
            if self._decoder is None:
                decoder = av.CodecContext.create("opus", "r")
                assert isinstance(decoder, av.AudioCodecContext)
                if self.demuxer.codec_private:
                    decoder.extradata = self.demuxer.codec_private
                self._decoder = decoder
                self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            try:
                frames = self._decoder.decode(av.Packet(packet))
            except av.FFmpegError as exc:
                raise StreamError(f"an Opus packet does not decode ({exc})") from exc
            self.packets += 1
            decoded.extend(frames)
        # One resampler call for the whole chunk, not one per 20 ms packet: the same samples
        # (the resampler's filter state runs on across calls) for a third of the CPU.
        for run in _runs(decoded):
            assert self._resampler is not None  # made with the decoder of these frames
            first = run[0]
            joined = av.AudioFrame.from_ndarray(
                np.concatenate([_samples(f) for f in run], axis=1),
                format=first.format.name,
                layout=first.layout.name,
            )
            joined.sample_rate = first.sample_rate
            for res in self._resampler.resample(joined):
                out.append(_samples(res).reshape(-1))
        samples = np.concatenate(out).astype(np.float32, copy=False)
        return np.clip(samples, -1.0, 1.0)


def _samples(frame: av.AudioFrame) -> np.ndarray:
    """A frame's samples as ``to_ndarray`` gives them, read straight from its buffer when it is
    one plane of float32 (what the Opus decoder and the resampler give): ``to_ndarray`` costs
    more than the decoding of the 20 ms in it."""
    if (
        frame.format.name in ("flt", "fltp")
        and len(frame.planes) == 1
        and frame.layout.nb_channels == 1
    ):
        plane = memoryview(frame.planes[0])
        return np.frombuffer(plane, dtype=np.float32, count=frame.samples)[None, :]
    array: np.ndarray = frame.to_ndarray()
    return array


def _runs(frames: list[av.AudioFrame]) -> list[list[av.AudioFrame]]:
    """Consecutive frames of one sample format, layout and rate, grouped."""
    runs: list[list[av.AudioFrame]] = []
    last: tuple[str, str, int] | None = None
    for frame in frames:
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if key == last:
            runs[-1].append(frame)
        else:
            runs.append([frame])
            last = key
    return runs
