"""Files under the data directory: evidence thumbnails, recordings and upload chunks.

Every path is made by the server from ids it issued; client-supplied names never reach the
file system. Stored paths are relative to the data directory so it can be moved.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np

THUMBNAIL_WIDTH = 320
THUMBNAIL_QUALITY = 80
COPY_BLOCK = 1 << 20

VIDEO_TYPES: dict[str, str] = {"video/webm": ".webm", "video/mp4": ".mp4"}
LEGACY_PART = "main"  # the part of uploads that name none


def sniff_video_type(head: bytes) -> str | None:
    """The video type from its first bytes: WebM (EBML header) or MP4 (``ftyp`` box)."""
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "video/mp4"
    return None


def is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff"


def make_thumbnail(jpeg: bytes, width: int = THUMBNAIL_WIDTH) -> bytes | None:
    """A JPEG about ``width`` pixels wide, or None when ``jpeg`` does not decode."""
    buffer = np.frombuffer(jpeg, dtype=np.uint8)
    # Decoding at half size (JPEG's own DCT scaling) is much cheaper than a full decode.
    image = cv2.imdecode(buffer, cv2.IMREAD_REDUCED_COLOR_2)
    if image is None or image.shape[1] < width:
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if image is None:
        return None
    h, w = image.shape[:2]
    if w > width:
        size = (width, max(1, round(h * width / w)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, THUMBNAIL_QUALITY])
    return encoded.tobytes() if ok else None


class Storage:
    """The data directory's layout."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir.resolve()
        self.evidence_dir = self.root / "evidence"
        self.videos_dir = self.root / "videos"
        self.chunks_dir = self.videos_dir / "chunks"
        self.tmp_dir = self.videos_dir / "tmp"

    def prepare(self) -> None:
        for d in (self.root, self.evidence_dir, self.videos_dir, self.chunks_dir, self.tmp_dir):
            d.mkdir(parents=True, exist_ok=True)

    def resolve(self, relative: str) -> Path | None:
        """The absolute path of a stored relative path, or None if it leaves the data dir."""
        path = (self.root / relative).resolve()
        return path if path.is_relative_to(self.root) else None

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    # Evidence
    def save_evidence(self, session_id: str, data: bytes, suffix: str = ".jpg") -> str:
        """A JPEG (or, with ``suffix=".webm"``, an audio clip) beside the session's evidence."""
        folder = self.evidence_dir / _safe_id(session_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{secrets.token_hex(8)}{suffix}"
        _write_atomic(path, data)
        return self.relative(path)

    def read(self, relative: str | None) -> bytes | None:
        if not relative:
            return None
        path = self.resolve(relative)
        if path is None or not path.is_file():
            return None
        return path.read_bytes()

    # Recordings
    def new_upload_tmp(self) -> Path:
        return self.tmp_dir / f"{secrets.token_hex(12)}.part"

    def video_path(self, session_id: str, part: str, mime: str) -> Path:
        sid, name = _safe_id(session_id), _safe_id(part)
        return self.videos_dir / f"{sid}-{name}-{secrets.token_hex(6)}{VIDEO_TYPES[mime]}"

    def chunk_dir(self, session_id: str, part: str) -> Path:
        folder = self.chunks_dir / _safe_id(session_id)
        # Part "main" keeps the folder chunks had before a session could hold several parts.
        return folder if part == LEGACY_PART else folder / _safe_id(part)

    def chunk_path(self, session_id: str, part: str, index: int) -> Path:
        return self.chunk_dir(session_id, part) / f"{index:06d}.part"

    def put_chunk_file(self, session_id: str, part: str, index: int, tmp: Path) -> None:
        """Move ``tmp`` into place as chunk ``index`` of the part."""
        target = self.chunk_path(session_id, part, index)
        for _ in range(3):
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp.replace(target)
                return
            except (FileNotFoundError, FileExistsError):
                # A join of the part removed its folder, once empty, just now: make it again
                if not tmp.exists():
                    raise
        tmp.replace(target)

    def assemble_chunks(
        self, session_id: str, part: str, indexes: range, target: Path, head: Path | None = None
    ) -> int:
        """Write ``head`` (an earlier file of the part), then the chunks ``indexes`` in order,
        into ``target``; returns its size."""
        tmp = self.new_upload_tmp()
        size = 0
        try:
            with tmp.open("wb") as out:
                if head is not None:
                    with head.open("rb") as src:
                        size += _copy(src, out)
                for index in indexes:
                    with self.chunk_path(session_id, part, index).open("rb") as chunk:
                        size += _copy(chunk, out)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return size

    def drop_chunks(self, session_id: str, part: str, below: int | None = None) -> None:
        """Delete the part's chunk files (those with an index below ``below``, when given)."""
        folder = self.chunk_dir(session_id, part)
        for path in _files(folder, deep=False):
            if path.suffix != ".part" or not path.stem.isdigit():
                continue
            if below is None or int(path.stem) < below:
                path.unlink(missing_ok=True)
        if part != LEGACY_PART:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only once empty

    # Deleting a session's files (retention, or the interviewer's DELETE)
    def session_files(self, session_id: str) -> dict[str, list[Path]]:
        """Every file of a session, by kind: ``evidence``, ``videos`` and ``chunks``."""
        sid = _safe_id(session_id)
        return {
            "evidence": _files(self.evidence_dir / sid),
            "videos": sorted(p for p in self.videos_dir.glob(f"{sid}-*") if p.is_file()),
            "chunks": _files(self.chunks_dir / sid, deep=True),
        }

    def delete_session_files(self, session_id: str) -> None:
        """Remove the session's files and folders; files already gone are no error."""
        sid = _safe_id(session_id)
        for path in self.session_files(sid)["videos"]:
            path.unlink(missing_ok=True)
        for folder in (self.evidence_dir / sid, self.chunks_dir / sid):
            shutil.rmtree(folder, ignore_errors=True)

    def orphans(self, known: set[str], older_than: float) -> dict[str, list[Path]]:
        """Files of sessions the database no longer has, last written before ``older_than``
        (a Unix time): left by an interrupted delete, or by another server's."""
        found: dict[str, list[Path]] = {}
        for folder in (self.evidence_dir, self.chunks_dir):
            for sub in folder.iterdir() if folder.is_dir() else ():
                if sub.is_dir() and sub.name not in known:
                    files = _files(sub, deep=True)
                    old = [p for p in files if _mtime(p) < older_than]
                    if old and len(old) == len(files):
                        found[sub.name] = found.get(sub.name, []) + old
        for path in self.videos_dir.glob("*-*.*") if self.videos_dir.is_dir() else ():
            sid = path.name.split("-", 1)[0]
            if path.is_file() and sid not in known and _mtime(path) < older_than:
                found.setdefault(sid, []).append(path)
        return found

    def stale_uploads(self, older_than: float) -> list[Path]:
        """Temporary upload files an interrupted request left behind."""
        return [p for p in _files(self.tmp_dir) if _mtime(p) < older_than]


def _files(folder: Path, *, deep: bool = False) -> list[Path]:
    """Files in ``folder`` (and, ``deep``, in its subfolders: one per recording part)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in (folder.rglob("*") if deep else folder.iterdir()) if p.is_file())


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")  # gone meanwhile: never counted as old


def _copy(src: BinaryIO, dst: BinaryIO) -> int:
    total = 0
    while block := src.read(COPY_BLOCK):
        dst.write(block)
        total += len(block)
    return total


def _safe_id(value: str) -> str:
    # Session ids are server-made hex; refuse anything else rather than trust it in a path.
    if not value or not all(c.isalnum() or c in "-_" for c in value):
        raise ValueError(f"not a safe id: {value!r}")
    return value


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
