"""python -m training.phone: the phone detector, from open data (prepare, negatives, extra, train,
export, import, eval, crosscheck, people)."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_BASE = Path(__file__).resolve().parents[3] / "shared" / "models" / "yolox_nano.onnx"


def _add_clones(parser: argparse.ArgumentParser, table: str) -> None:
    parser.add_argument(
        "--clone",
        action="append",
        default=[],
        metavar="OWNER/NAME=DIR",
        help=f"a clone of each repository named in {table}",
    )


def _clone_paths(args: argparse.Namespace) -> dict[str, Path]:
    """The ``--clone OWNER/NAME=DIR`` options as repository -> clone."""
    return {repo: Path(path) for repo, path in (c.split("=", 1) for c in args.clone)}


def _print_groups(prefix: str, per: dict[str, tuple[int, int]]) -> None:
    for group, (found, count) in per.items():
        print(f"{prefix}{group}: {found}/{count} = {found / max(count, 1):.2f}")
    found, total = sum(f for f, _ in per.values()), sum(n for _, n in per.values())
    print(f"{prefix}held-out groups: {found}/{total} = {found / max(total, 1):.3f}")


def _add_size(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--size", type=int, default=416, help="input side in pixels (a multiple of 32)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m training.phone")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="extract the pinned training split and check it")
    p.add_argument("--clone", required=True, help="a clone of the dataset's repository")
    p.add_argument("--data", default="data/phone-train")
    p.add_argument("--dev", default=str(DEFAULT_BASE.parents[1] / "evalset" / "phones" / "images"))
    n = sub.add_parser("negatives", help="extract the pinned phone-free images")
    _add_clones(n, "training/phone/negatives.csv")
    n.add_argument("--out", default="data/phone-negatives")
    x = sub.add_parser("extra", help="extract the further pinned phone data (extra.csv)")
    _add_clones(x, "training/phone/extra.csv")
    x.add_argument("--out", default="data/phone-extra")
    x.add_argument("--dev", default=str(DEFAULT_BASE.parents[1] / "evalset" / "phones" / "images"))
    t = sub.add_parser("train", help="train (resumes from OUT/last.pt when present)")
    _add_size(t)
    t.add_argument("--data", default="data/phone-train")
    t.add_argument("--out", default="runs/phone")
    t.add_argument("--base", default=str(DEFAULT_BASE), help="YOLOX-Nano ONNX to start from")
    t.add_argument("--epochs", type=int, default=12)
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument(
        "--freeze", type=int, default=0, help="leave the first N parameter tensors as they are"
    )
    t.add_argument(
        "--stop-after", type=int, default=0, help="stop after this many epochs (schedule kept)"
    )
    t.add_argument("--negatives", default="data/phone-negatives", help="phone-free images")
    t.add_argument("--init", default="", help="start from this checkpoint's weights")
    t.add_argument("--extra", default="", help="the further phone data `extra` wrote")
    t.add_argument("--extra-repeat", type=int, default=3, help="times each further image is seen")
    t.add_argument(
        "--near-face-repeat", type=int, default=1, help="times a phone beside a face is seen"
    )
    t.add_argument("--exclude-groups", default="", help="source groups to keep out (cross-check)")
    t.add_argument(
        "--zoom-out", type=float, default=0.2, help="share of samples zoomed out (smaller phones)"
    )
    e = sub.add_parser("export", help="write a checkpoint as the product's ONNX model")
    _add_size(e)
    e.add_argument("checkpoint")
    e.add_argument("--base", default=str(DEFAULT_BASE))
    e.add_argument("--out", required=True)
    i = sub.add_parser("import", help="a checkpoint from an exported model, to train on from it")
    _add_size(i)
    i.add_argument("onnx", help="a model `export` wrote, e.g. the shipped one")
    i.add_argument("--base", default=str(DEFAULT_BASE))
    i.add_argument("--out", required=True)
    v = sub.add_parser("eval", help="dev recall and false alarms of a checkpoint")
    _add_size(v)
    v.add_argument("checkpoint")
    v.add_argument("--base", default=str(DEFAULT_BASE))
    c = sub.add_parser("crosscheck", help="recall on source groups a checkpoint never saw")
    _add_size(c)
    c.add_argument("checkpoint")
    c.add_argument("--groups", required=True, help="comma-separated source groups")
    c.add_argument("--data", default="data/phone-train")
    c.add_argument("--threshold", type=float, default=0.3)
    c.add_argument(
        "--product", action="store_true", help="also run it as the product does (second look)"
    )
    c.add_argument("--base", default=str(DEFAULT_BASE))
    pe = sub.add_parser("people", help="phones of people outside the phone-using set")
    pe.add_argument("models", nargs="+", help="phone ONNX models, run as the product runs them")
    pe.add_argument("--extra", default="", help="the detection set as `extra` wrote it")
    pe.add_argument("--drivers", default="", help="a clone of the drivers' repository")
    args = parser.parse_args()
    if "size" in vars(args):
        from training.phone import model

        model.use_size(args.size)

    if args.command == "prepare":
        from training.phone.manifest import prepare, training_images

        rows = prepare(Path(args.clone), Path(args.data), Path(args.dev))
        print(
            f"{len(training_images(rows))} training images in {args.data} (all match the manifest)"
        )
    elif args.command == "negatives":
        from training.phone.negatives import extract

        count = extract(_clone_paths(args), Path(args.out))
        print(f"{count} phone-free images in {args.out} (all match negatives.csv)")
    elif args.command == "extra":
        from training.phone import extra

        rows = extra.extract(_clone_paths(args), Path(args.out), Path(args.dev))
        used = extra.training_images(rows)
        print(f"{len(used)} of {len(rows)} further images in {args.out} (all match extra.csv)")
    elif args.command == "people":
        from training.phone.people import report

        print(
            report(
                [Path(m) for m in args.models],
                Path(args.extra) if args.extra else None,
                Path(args.drivers) if args.drivers else None,
            )
        )
    elif args.command == "train":
        from training.phone.train import train

        train(args)
    elif args.command == "import":
        import torch

        from training.phone import model

        net = model.load_exported(Path(args.base), Path(args.onnx))
        torch.save({"model": net.state_dict(), "epoch": 0}, args.out)
        print(f"wrote {args.out}")
    else:
        import torch

        from training.phone import model

        net = model.load_torch(Path(args.base))
        model.load_weights(net, torch.load(args.checkpoint, weights_only=False)["model"])
        if args.command == "crosscheck":
            from training.phone.evaluate import dev_recall, group_recall

            groups = set(args.groups.split(","))
            _print_groups("", group_recall(net, Path(args.data), groups, args.threshold))
            print(f"dev: {dev_recall(net)}")
            if args.product:
                import tempfile

                from training.phone.evaluate import group_recall_as_product

                with tempfile.TemporaryDirectory() as tmp:
                    exported = Path(tmp) / "phone.onnx"
                    model.export(net, exported)
                    per = group_recall_as_product(exported, Path(args.data), groups)
                _print_groups("as the product runs it, ", per)
        elif args.command == "export":
            model.export(net, Path(args.out))
            print(f"wrote {args.out}")
        else:
            from training.phone.evaluate import dev_recall

            print(dev_recall(net))


if __name__ == "__main__":
    main()
