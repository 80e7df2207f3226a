"""YOLOX's loss for one class, with SimOTA label assignment.

Each labelled phone takes the anchors near its centre whose predicted boxes fit it best (a
dynamic number, from the IoUs of the top candidates); those learn the box (GIoU), objectness
and the phone score (with the IoU as its target); every other anchor learns "no object".
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from training.phone import model
from training.phone.model import PHONE_CLASS, STRIDES

CLS = 5 + PHONE_CLASS


def grids() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each anchor's cell (x, y) and stride, at the input size (``model.use_size``)."""
    xs, ys, ss = [], [], []
    for s in STRIDES:
        n = model.SIZE // s
        gy, gx = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        xs.append(gx.flatten())
        ys.append(gy.flatten())
        ss.append(torch.full((n * n,), s))
    return torch.cat(xs).float(), torch.cat(ys).float(), torch.cat(ss).float()


def decode(raw: torch.Tensor, gx: torch.Tensor, gy: torch.Tensor, st: torch.Tensor) -> torch.Tensor:
    """Raw [N, A, 85] to boxes [N, A, 4] x1 y1 x2 y2 in input pixels."""
    cx = (raw[..., 0] + gx) * st
    cy = (raw[..., 1] + gy) * st
    w = torch.exp(raw[..., 2].clamp(max=8)) * st
    h = torch.exp(raw[..., 3].clamp(max=8)) * st
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)


def pair_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-7)


def giou_loss(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    lt = torch.max(p[:, :2], t[:, :2])
    rb = torch.min(p[:, 2:], t[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    union = (p[:, 2:] - p[:, :2]).clamp(min=0).prod(-1) + (t[:, 2:] - t[:, :2]).prod(-1) - inter
    iou = inter / (union + 1e-7)
    hull = (torch.max(p[:, 2:], t[:, 2:]) - torch.min(p[:, :2], t[:, :2])).prod(-1)
    return 1 - (iou - (hull - union) / (hull + 1e-7))


@torch.no_grad()
def assign(
    boxes: torch.Tensor,
    obj: torch.Tensor,
    cls: torch.Tensor,
    gts: torch.Tensor,
    cache: tuple[torch.Tensor, ...],
) -> tuple[torch.Tensor, torch.Tensor]:
    """SimOTA for one image: (anchor index, gt index) of each positive."""
    gx, gy, st = cache
    ax, ay = (gx + 0.5) * st, (gy + 0.5) * st
    in_box = (
        (ax[None] > gts[:, 0:1])
        & (ax[None] < gts[:, 2:3])
        & (ay[None] > gts[:, 1:2])
        & (ay[None] < gts[:, 3:4])
    )
    gcx, gcy = (gts[:, 0:1] + gts[:, 2:3]) / 2, (gts[:, 1:2] + gts[:, 3:4]) / 2
    r = 2.5 * st[None]
    in_ctr = ((ax[None] - gcx).abs() < r) & ((ay[None] - gcy).abs() < r)
    cand = (in_box | in_ctr).any(0)
    idx = cand.nonzero().squeeze(1)
    if idx.numel() == 0:
        return idx, idx
    ious = pair_iou(gts, boxes[idx])  # [G, C]
    score = (torch.sigmoid(cls[idx]) * torch.sigmoid(obj[idx])).sqrt()
    cls_cost = F.binary_cross_entropy(
        score[None].expand_as(ious).clamp(1e-6, 1 - 1e-6), torch.ones_like(ious), reduction="none"
    )
    both = (in_box & in_ctr)[:, idx]
    cost = cls_cost + 3.0 * -torch.log(ious + 1e-8) + 1e5 * (~both)
    k = ious.topk(min(10, ious.shape[1]), dim=1).values.sum(1).int().clamp(min=1)
    match = torch.zeros_like(cost, dtype=torch.bool)
    for g in range(gts.shape[0]):
        match[g, cost[g].topk(int(k[g]), largest=False).indices] = True
    multi = match.sum(0) > 1
    if multi.any():
        best = cost[:, multi].argmin(0)
        match[:, multi] = False
        match[best, multi.nonzero().squeeze(1)] = True
    g_idx, c_idx = match.nonzero(as_tuple=True)
    return idx[c_idx], g_idx


def loss(
    raw: torch.Tensor, targets: list[torch.Tensor], cache: tuple[torch.Tensor, ...]
) -> dict[str, torch.Tensor]:
    boxes = decode(raw, *cache)
    obj = raw[..., 4]
    cls = raw[..., CLS]
    obj_t = torch.zeros_like(obj)
    box_l, cls_l, fg = [], [], 0
    for b, gts in enumerate(targets):
        if gts.numel() == 0:
            continue
        anchors, g = assign(boxes[b].detach(), obj[b].detach(), cls[b].detach(), gts, cache)
        if anchors.numel() == 0:
            continue
        fg += anchors.numel()
        obj_t[b, anchors] = 1.0
        box_l.append(giou_loss(boxes[b, anchors], gts[g]))
        with torch.no_grad():
            iou = pair_iou(boxes[b, anchors], gts).gather(1, g[:, None]).squeeze(1)
        cls_l.append(F.binary_cross_entropy_with_logits(cls[b, anchors], iou, reduction="none"))
    n = max(fg, 1)
    obj_loss = F.binary_cross_entropy_with_logits(obj, obj_t, reduction="sum") / n
    box_loss = torch.cat(box_l).sum() / n if box_l else raw.sum() * 0
    cls_loss = torch.cat(cls_l).sum() / n if cls_l else raw.sum() * 0
    total = 5.0 * box_loss + obj_loss + cls_loss
    return {
        "total": total,
        "box": box_loss,
        "obj": obj_loss,
        "cls": cls_loss,
        "fg": torch.tensor(float(fg)),
    }
