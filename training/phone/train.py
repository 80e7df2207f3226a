"""The training loop: resumable, logged, with a dev check after each epoch."""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from proctor.evaluation.sources import source_group
from training.phone import data, extra, loss, manifest, model, near_face
from training.phone.evaluate import dev_recall


class Samples(torch.utils.data.Dataset[tuple[torch.Tensor, torch.Tensor]]):
    def __init__(
        self,
        items: list[data.Item],
        seed: int,
        epoch: int,
        backgrounds: list[Path],
        zoom_out_share: float = 0.2,
    ) -> None:
        self.items, self.seed, self.epoch = items, seed, epoch
        self.backgrounds = backgrounds
        self.zoom_out_share = zoom_out_share

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = random.Random(self.seed * 1_000_003 + self.epoch * 10_007 + i)
        canvas, boxes = data.sample(
            self.items[i], rng, backgrounds=self.backgrounds, zoom_out_share=self.zoom_out_share
        )
        return torch.from_numpy(canvas).permute(2, 0, 1).float(), torch.from_numpy(boxes)


def collate(
    batch: list[tuple[torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    return torch.stack([b[0] for b in batch]), [b[1] for b in batch]


def plot_curve(log: Path, out: Path) -> None:
    """Loss per step (and dev recall per epoch) as a PNG, drawn with OpenCV."""
    rows = list(csv.DictReader(log.open()))
    if len(rows) < 2:
        return
    w, h, m = 900, 420, 50
    img = np.full((h, w, 3), 255, np.uint8)
    losses = np.array([float(r["total"]) for r in rows])
    smooth = np.convolve(losses, np.ones(20) / 20, mode="valid") if len(losses) > 40 else losses
    top = float(np.percentile(losses, 98))
    pts = [
        (
            m + int(i * (w - 2 * m) / max(len(smooth) - 1, 1)),
            h - m - int(min(v, top) / top * (h - 2 * m)),
        )
        for i, v in enumerate(smooth)
    ]
    cv2.rectangle(img, (m, m), (w - m, h - m), (0, 0, 0), 1)
    cv2.polylines(img, [np.array(pts, np.int32)], False, (200, 80, 0), 2)
    cv2.putText(
        img,
        f"training loss (0 to {top:.2f}), {len(rows)} steps",
        (m, m - 15),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.6,
        (0, 0, 0),
        1,
    )
    cv2.imwrite(str(out), img)


def train(a: argparse.Namespace) -> None:
    """Train per the command line's options (``python -m training.phone train --help``)."""
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rows = manifest.read_manifest()
    names = manifest.training_images(rows)
    exclude = {g for g in a.exclude_groups.split(",") if g}
    if exclude:
        names = [n for n in names if source_group(n) not in exclude]
    root = Path(a.data)
    items = data.read_items(root / "images", root / "labels", names)
    # Phone-free photos of other people and rooms (training/phone/negatives.csv): seen as they
    # are, and as backgrounds that phones are pasted into.
    negatives = sorted(Path(a.negatives).glob("*")) if a.negatives else []
    items += [data.Item(p, np.zeros((0, 4), np.float32)) for p in negatives]
    # Further pinned phone data (training/phone/extra.csv), repeated so that it weighs more.
    extra_items: list[data.Item] = []
    if a.extra:
        extra_root = Path(a.extra)
        extra_names = extra.training_images(extra.read_manifest())
        extra_items = data.read_items(extra_root / "images", extra_root / "labels", extra_names)
        negatives += [i.image for i in extra_items if not len(i.boxes)]
    # Phones at the ear or the cheek, the ones most often missed, seen more often (each image
    # looked at once, before the further data is repeated).
    near = near_face.beside_face(items + extra_items) if a.near_face_repeat > 1 else []
    items += extra_items * a.extra_repeat
    items += near * (a.near_face_repeat - 1)
    print(
        f"{len(names)} phone images, {len(negatives)} phone-free images, "
        f"{len(extra_items)} further images x{a.extra_repeat}, "
        f"{len(near)} with a phone beside a face x{max(a.near_face_repeat, 1)}",
        flush=True,
    )
    net = model.load_torch(Path(a.base))
    if a.init:
        model.load_weights(net, torch.load(a.init, weights_only=False)["model"])
    params = list(net.named_parameters())
    frozen = int(a.freeze)
    for i, (_, p) in enumerate(params):
        p.requires_grad = i >= frozen
    opt = torch.optim.AdamW([p for _, p in params if p.requires_grad], lr=a.lr, weight_decay=5e-4)
    steps_per_epoch = math.ceil(len(items) / a.batch)
    total: int = steps_per_epoch * int(a.epochs)
    warm = min(200, total // 10)

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(total - warm, 1)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    ckpt = out / "last.pt"
    start_epoch, step = 0, 0
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start_epoch, step = state["epoch"], state["step"]
        print(f"resumed at epoch {start_epoch}, step {step}", flush=True)
    cache = loss.grids()
    log = out / "loss.csv"
    new_log = not log.exists()
    with log.open("a", newline="") as f:
        writer = csv.writer(f)
        if new_log:
            writer.writerow(
                ["step", "epoch", "total", "box", "obj", "cls", "fg", "lr", "images_per_s"]
            )
        last = min(a.epochs, a.stop_after or a.epochs)
        for epoch in range(start_epoch, last):
            loader = torch.utils.data.DataLoader(
                Samples(items, a.seed, epoch, negatives, a.zoom_out),
                batch_size=a.batch,
                shuffle=True,
                num_workers=1,
                collate_fn=collate,
                drop_last=True,
                generator=torch.Generator().manual_seed(a.seed + epoch),
            )
            net.train()
            t0 = time.time()
            for i, (x, targets) in enumerate(loader):
                parts = loss.loss(net(x), targets, cache)
                opt.zero_grad()
                parts["total"].backward()  # type: ignore[no-untyped-call]
                torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
                opt.step()
                sched.step()
                step += 1
                speed = (i + 1) * x.shape[0] / (time.time() - t0)
                writer.writerow(
                    [
                        step,
                        epoch,
                        *(f"{float(parts[k]):.4f}" for k in ("total", "box", "obj", "cls", "fg")),
                        f"{sched.get_last_lr()[0]:.2e}",
                        f"{speed:.2f}",
                    ]
                )
                if step % 10 == 0:
                    f.flush()
                    print(
                        f"epoch {epoch} step {i + 1}/{steps_per_epoch} "
                        f"loss {float(parts['total']):.3f} ({speed:.1f} img/s)",
                        flush=True,
                    )
                if step % 50 == 0:
                    torch.save(
                        {
                            "model": net.state_dict(),
                            "opt": opt.state_dict(),
                            "sched": sched.state_dict(),
                            "epoch": epoch,
                            "step": step,
                        },
                        ckpt,
                    )
            torch.save(
                {
                    "model": net.state_dict(),
                    "opt": opt.state_dict(),
                    "sched": sched.state_dict(),
                    "epoch": epoch + 1,
                    "step": step,
                },
                ckpt,
            )
            torch.save(
                {"model": net.state_dict(), "epoch": epoch + 1}, out / f"epoch{epoch + 1}.pt"
            )
            plot_curve(log, out / "loss.png")
            figures = dev_recall(net)
            print(f"epoch {epoch + 1} dev {json.dumps(figures)}", flush=True)
            with (out / "dev.jsonl").open("a") as d:
                d.write(json.dumps({"epoch": epoch + 1, "step": step, **figures}) + "\n")
