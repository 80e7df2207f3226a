"""The worker gate: one turn per worker, faces before objects, cancellation never leaks a turn."""

from __future__ import annotations

import asyncio

from proctor.realtime.gate import Kind, WorkerGate


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_faces_go_before_objects_that_waited_longer() -> None:
    gate = WorkerGate(2)
    order: list[str] = []
    release = asyncio.Event()

    async def job(name: str, kind: Kind) -> None:
        async with gate.turn(kind):
            order.append(name)
            await release.wait()

    busy = [asyncio.create_task(job(f"busy{i}", Kind.OBJECTS)) for i in range(2)]
    await settle()
    waiting = [asyncio.create_task(job("objects", Kind.OBJECTS))]
    await settle()
    waiting += [asyncio.create_task(job(f"faces{i}", Kind.FACES)) for i in range(2)]
    await settle()
    assert order == ["busy0", "busy1"] and gate.busy == 2
    assert gate.waiting(Kind.FACES) == 2 and gate.waiting(Kind.OBJECTS) == 1
    release.set()
    await asyncio.gather(*busy, *waiting)
    assert order[2:] == ["faces0", "faces1", "objects"]
    assert gate.busy == 0


async def test_objects_start_at_once_on_a_free_worker_but_not_past_waiting_faces() -> None:
    gate = WorkerGate(1)
    await gate.acquire(Kind.OBJECTS)  # a free worker: no wait
    faces = asyncio.create_task(gate.acquire(Kind.FACES))
    await settle()
    objects = asyncio.create_task(gate.acquire(Kind.OBJECTS))
    await settle()
    gate.release()
    await settle()
    assert faces.done() and not objects.done()
    gate.release()
    await settle()
    assert objects.done()
    gate.release()
    assert gate.busy == 0


async def test_never_more_turns_than_workers() -> None:
    gate = WorkerGate(3)
    holding, most = 0, 0

    async def job(kind: Kind) -> None:
        nonlocal holding, most
        async with gate.turn(kind):
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0)
            holding -= 1

    await asyncio.gather(*(job(Kind(i % 2)) for i in range(40)))
    assert most == 3 and gate.busy == 0


async def test_a_cancelled_waiter_gives_up_its_place_and_never_leaks_a_turn() -> None:
    gate = WorkerGate(1)
    await gate.acquire(Kind.FACES)
    gone = asyncio.create_task(gate.acquire(Kind.FACES))
    later = asyncio.create_task(gate.acquire(Kind.OBJECTS))
    await settle()
    gone.cancel()
    await settle()
    assert gate.waiting(Kind.FACES) == 0
    gate.release()
    await settle()
    assert later.done() and gate.busy == 1
    # Handed a turn and cancelled before it could run: the turn passes on.
    granted = asyncio.create_task(gate.acquire(Kind.FACES))
    after = asyncio.create_task(gate.acquire(Kind.FACES))
    await settle()
    gate.release()
    granted.cancel()
    await settle()
    assert granted.cancelled() and after.done() and gate.busy == 1
    gate.release()
    assert gate.busy == 0
