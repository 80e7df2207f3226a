"""``proctor identity REFERENCE IMAGE... [--json]``: is the person in each IMAGE the one in
REFERENCE?

With ``--json`` each IMAGE gives one line ``{"reference": path, "source": path, "score": 0.91,
"same_person": true}`` (the CLI contract); otherwise one readable line. ``score`` is the cosine
similarity of the two primary faces' descriptors; ``score`` and ``same_person`` are null when
either image has no usable face. An unreadable IMAGE is reported on stderr and skipped (exit 1);
an unreadable REFERENCE stops the command before any output (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "identity",
        help="compare the faces in images with a reference photo",
        description=(
            "Compare the largest face in each IMAGE with the largest face in REFERENCE: "
            "similarity and whether it is the same person."
        ),
    )
    parser.add_argument("reference", metavar="REFERENCE", help="reference photo (enrolment, ID)")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="photos to check")
    parser.add_argument("--json", action="store_true", help="one JSON object per IMAGE and line")
    parser.add_argument(
        "--model",
        choices=("dlib", "faceres"),
        default="dlib",
        help="face descriptor (default dlib; faceres is for comparison and needs "
        "`proctor models install`)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from proctor.identity.verify import UnreadableImageError, Verifier, read_image
    from proctor.vision.detectors.base import ModelMissingError

    try:
        reference_image = read_image(args.reference)
    except UnreadableImageError as exc:
        print(f"proctor identity: reference {exc}", file=sys.stderr)
        return 1
    try:
        verifier = Verifier(args.model)
    except ModelMissingError as exc:
        print(f"proctor identity: {exc}", file=sys.stderr)
        return 1
    reference = verifier.embedding(reference_image)
    code = 0
    for path in args.images:
        try:
            image = read_image(path)
        except UnreadableImageError as exc:
            print(f"proctor identity: {exc}", file=sys.stderr)
            code = 1
            continue
        match = verifier.match(reference, verifier.embedding(image))
        score = None if match.score is None else round(match.score, 4)
        if args.json:
            record = {
                "reference": args.reference,
                "source": path,
                "score": score,
                "same_person": match.same_person,
            }
            print(json.dumps(record), flush=True)
        elif score is None:
            where = "the reference" if reference is None else "this image"
            print(f"{path}: no usable face in {where}", flush=True)
        else:
            verdict = "same person" if match.same_person else "different person"
            print(f"{path}: {verdict} (similarity {score:.3f})", flush=True)
    return code
