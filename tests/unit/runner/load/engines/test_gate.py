"""The connection cap of the library engines (runner/load/engines/gate.py): a turn per request,
in arrival order, the wait measured, a wait past the timeout a timeout that is never sent."""
from __future__ import annotations

import asyncio

from runner.load.engines.base import NOT_SENT, Reply
from runner.load.engines.gate import ConnectionGate


def answer_after(delay_s: float, sent: list[str], name: str):
    async def send(remaining_s: float) -> Reply:
        sent.append(name)
        await asyncio.sleep(delay_s)
        sent.append(f"{name} answered")
        return Reply(200, [], b"ok", None, 2, 10)
    return send


def test_at_the_cap_requests_wait_their_turn_in_order_and_say_how_long() -> None:
    async def main() -> list[Reply]:
        gate = ConnectionGate(2)
        sent: list[str] = []
        replies = await asyncio.gather(*(gate.send("http://a", 5.0, answer_after(0.05, sent, f"r{i}"))
                                         for i in range(5)))
        assert [name for name in sent if " " not in name] == ["r0", "r1", "r2", "r3", "r4"]
        return replies
    replies = asyncio.run(main())
    queued = [reply.queued_s for reply in replies]
    assert queued[:2] == [0.0, 0.0]  # admitted at once
    assert 0.04 < queued[2] and 0.04 < queued[3] and 0.09 < queued[4]  # one and two answers' time
    assert all(reply.status == 200 for reply in replies)


def test_each_origin_has_its_own_cap() -> None:
    async def main() -> list[Reply]:
        gate = ConnectionGate(1)
        sent: list[str] = []
        return await asyncio.gather(gate.send("http://a", 5.0, answer_after(0.05, sent, "a")),
                                    gate.send("http://b", 5.0, answer_after(0.05, sent, "b")))
    assert [reply.queued_s for reply in asyncio.run(main())] == [0.0, 0.0]


def test_a_request_that_waits_out_its_timeout_is_never_sent_and_gives_its_place_up() -> None:
    async def main() -> tuple[Reply, Reply, list[str]]:
        gate = ConnectionGate(1)
        sent: list[str] = []
        slow = asyncio.ensure_future(gate.send("http://a", 5.0, answer_after(0.2, sent, "slow")))
        await asyncio.sleep(0)
        impatient = await gate.send("http://a", 0.05, answer_after(0.0, sent, "impatient"))
        await slow
        after = await gate.send("http://a", 1.0, answer_after(0.0, sent, "after"))  # the slot came back
        return impatient, after, sent
    impatient, after, sent = asyncio.run(main())
    assert impatient.error == NOT_SENT and impatient.queued_s == 0.05 and impatient.bytes_out == 0
    assert sent == ["slow", "slow answered", "after", "after answered"] and after.status == 200 and after.queued_s == 0.0


def test_a_request_cancelled_while_it_waits_frees_nothing_it_did_not_hold() -> None:
    async def main() -> list[str]:
        gate = ConnectionGate(1)
        sent: list[str] = []
        first = asyncio.ensure_future(gate.send("http://a", 5.0, answer_after(0.05, sent, "first")))
        await asyncio.sleep(0)
        caught: list[tuple[object, ...]] = []

        async def wait_in_the_queue() -> Reply:
            try:
                return await gate.send("http://a", 5.0, answer_after(0.0, sent, "cancelled"))
            except asyncio.CancelledError as cancel:
                caught.append(cancel.args)
                raise
        waiting = asyncio.ensure_future(wait_in_the_queue())
        await asyncio.sleep(0.01)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        assert caught == [(NOT_SENT,)]  # what the flow sees: counted as never sent
        third = asyncio.ensure_future(gate.send("http://a", 5.0, answer_after(0.05, sent, "third")))
        fourth = asyncio.ensure_future(gate.send("http://a", 5.0, answer_after(0.0, sent, "fourth")))
        await asyncio.gather(first, third, fourth, return_exceptions=True)
        assert gate._in_flight["http://a"] == 0  # every turn given back
        return sent
    # the cancelled one never ran, and its place did not let two in at once (third, then fourth)
    assert asyncio.run(main()) == ["first", "first answered", "third", "third answered", "fourth", "fourth answered"]
