"""Processing turns: at most `limit` videos of one owner are processed at once; the others wait
their turn, and nobody else's videos wait behind them.

    turns = ProcessingTurns.from_settings(settings)   # or ProcessingTurns(limit=3, ...)
    await take_turn(ports, owner_id, video_id, turns)   # Defer while the owner's slots are taken
    await end_turn(ports, owner_id, video_id)           # transcoded, failed, rejected, deleted

A turn is a slot of the `ProcessingSlots` port, held from the upload-finalizer's `video.uploaded`
until the transcoder is done with the video (`video.transcoded`; the indexer's one write to
`ready` costs nothing worth a turn) or it ends otherwise (`failed`, `rejected`, `deleted`).
The upload-finalizer takes it before it publishes `video.uploaded`, so the transcoder's queue
holds at most `limit` videos of one owner: a flood waits in the finalizer's queue (`Defer`:
sent again after `wait_s`, counting no attempt), and another owner's upload lands in the
transcoder's queue behind at most `limit` of the flood's, whatever the number of transcoders
(a gate at the transcoder alone would not do: one transcoder takes its queue in order). The
transcoder takes it again before it fetches anything (the video's own slot is kept, its expiry
renewed), which also covers a `video.uploaded` the sweep published again. A slot lapses
`slot_ttl_s` after it was last taken, so one held by a process killed on the way is freed for
the owner's next video.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from videoshare.bus.outcomes import Defer
from videoshare.settings import Settings
from videoshare.usecases.ports import ProcessingSlots

DEFAULT_LIMIT = 3
DEFAULT_WAIT_S = 30.0
# the longest from a turn taken to the video's end: the transcode's timeout and what comes
# around it (queue, fetch, uploads, indexing)
DEFAULT_SLOT_TTL_S = 1800.0 + 900.0


@dataclass(frozen=True, slots=True)
class ProcessingTurns:
    limit: int = DEFAULT_LIMIT  # an owner's videos in processing at once
    slot_ttl_s: float = DEFAULT_SLOT_TTL_S  # a slot not taken again lapses after this
    wait_s: float = DEFAULT_WAIT_S  # a video waiting its turn is looked at again after this

    @classmethod
    def from_settings(cls, settings: Settings) -> ProcessingTurns:
        """The turns every process agrees on: the finalizer takes them, the transcoder takes
        them again, housekeeping and the ingress end them."""
        return cls(
            limit=settings.processing_slots_per_user,
            slot_ttl_s=settings.transcode_timeout_s + 900,
            wait_s=settings.processing_wait_s,
        )


DEFAULT_TURNS = ProcessingTurns()


class TurnPorts(Protocol):
    @property
    def slots(self) -> ProcessingSlots: ...


async def take_turn(
    ports: TurnPorts,
    owner_id: str,
    video_id: str,
    turns: ProcessingTurns,
    now: float | None = None,
) -> None:
    """The video's turn (kept, if it has it); `Defer` while the owner's slots are taken."""
    taken = await ports.slots.take(
        owner_id,
        video_id,
        limit=turns.limit,
        now=time.time() if now is None else now,
        ttl_s=turns.slot_ttl_s,
    )
    if not taken:
        raise Defer(
            f"the owner has {turns.limit} videos in processing: {video_id} waits its turn",
            delay_s=turns.wait_s,
        )


async def end_turn(ports: TurnPorts, owner_id: str, video_id: str) -> None:
    """The video is done with processing (transcoded, failed, rejected or deleted); a repeat, or
    a video that never had a turn, changes nothing."""
    await ports.slots.release(owner_id, video_id)


async def owner_is_busy(ports: TurnPorts, owner_id: str, turns: ProcessingTurns) -> bool:
    """Whether all the owner's slots are taken: their waiting videos are waiting their turn,
    not stuck."""
    return await ports.slots.held(owner_id, time.time()) >= turns.limit
