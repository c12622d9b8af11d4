"""The owner chooses a video's poster: a moment of the video, or an image of their own.

    poster_at(ports, video_id, user_id, 12.5, request_id)         # → Video
    upload_poster(ports, video_id, user_id, data, request_id)     # → Video

Either way the new poster is a JPEG we made, stored under a new name
(`media/{id}/poster-{n}.jpg`: no cache or CDN keeps showing the old one), recorded on the video
with a conditional write (`video.updated`, changed `poster`); a poster chosen before is deleted.

**A moment** is taken from the storyboard: the thumbnail the web app shows at that time, cut
from the sprite (`media/poster_image.storyboard_frame`). Why there and not a new frame: the
person picks what they see, the answer is immediate (no job through a queue to a transcoder that
would download a rendition and decode it, and no "pending" state for the API and the web app to
show), and the ingress only crops a JPEG of about 100 KB we made ourselves. The price is the
thumbnail's size (at most 160 px a side); for a sharp poster, upload an image. A full-size frame
would be a job for the transcoder (an event, like `video.uploaded`), should people want it.

**An image** is refused unless it is a JPEG, PNG or WebP by its bytes, at most
`max_poster_bytes`, with at most `max_poster_pixels` declared in its header (checked before
decoding: a decompression bomb is never decoded); it is decoded in a thread and re-encoded
(`media/poster_image.reencoded_poster`), never stored or served as sent.

    the caller may not see the video / does not own it      VideoNotFound / OwnerOnly
    the video is not ready (no storyboard, no media yet)    NotReady
    a time outside the video                                RefusedInput (field time_s)
    larger than max_poster_bytes                            FileTooLarge
    not a JPEG, PNG or WebP                                 NotAnImage
    too many pixels, truncated, damaged                     BadImage
"""

from __future__ import annotations

import asyncio
import uuid

from videoshare.domain import keys
from videoshare.domain.errors import (
    BadImage,
    FileTooLarge,
    MediaNotFound,
    NotAnImage,
    NotReady,
    RefusedInput,
)
from videoshare.domain.video import Video, VideoStatus
from videoshare.media import poster_image
from videoshare.usecases.captions import CaptionPorts
from videoshare.usecases.video_edits import change_video, owned_video

JPEG = "image/jpeg"
# The storyboard's files are small; anything larger is not one of ours.
MAX_STORYBOARD_BYTES = 16 * 1024**2

PosterPorts = CaptionPorts  # the same: an owner's edit that writes a file under media/


async def poster_at(
    ports: PosterPorts, video_id: str, user_id: str, time_s: float, correlation_id: str
) -> Video:
    video = _ready(await owned_video(ports, video_id, user_id))
    duration = video.duration_s or 0.0
    if not 0 <= time_s <= duration:
        raise RefusedInput(
            f"{time_s:g} s is not a moment of this video.",
            field="time_s",
            reasons=[f"must be between 0 and the video's duration, {duration:g} s"],
        )
    if video.storyboard_vtt_key is None or video.storyboard_image_key is None:
        raise MediaNotFound("This video has no storyboard to take a poster from; upload one.")
    vtt = await ports.storage.read_text(video.storyboard_vtt_key, MAX_STORYBOARD_BYTES)
    sprite = await ports.storage.read(video.storyboard_image_key, MAX_STORYBOARD_BYTES)
    if vtt is None or sprite is None:
        raise MediaNotFound("This video's storyboard is missing; upload a poster instead.")
    try:
        jpeg = await asyncio.to_thread(poster_image.storyboard_frame, vtt, sprite, time_s)
    except poster_image.UnsafeImage as exc:
        raise MediaNotFound(str(exc)) from None
    return await _store(ports, video, user_id, jpeg, correlation_id)


async def upload_poster(
    ports: PosterPorts, video_id: str, user_id: str, data: bytes, correlation_id: str
) -> Video:
    video = _ready(await owned_video(ports, video_id, user_id))
    cap = ports.settings.max_poster_bytes
    if len(data) > cap:
        raise FileTooLarge(f"A poster image may be at most {cap:,} bytes.")
    try:
        jpeg = await asyncio.to_thread(
            poster_image.reencoded_poster, data, max_pixels=ports.settings.max_poster_pixels
        )
    except poster_image.NotAnImage as exc:
        reasons = ["must be a JPEG, PNG or WebP image"]
        raise NotAnImage(str(exc), field="file", reasons=reasons) from None
    except poster_image.UnsafeImage as exc:
        raise BadImage(str(exc), field="file", reasons=[str(exc)]) from None
    return await _store(ports, video, user_id, jpeg, correlation_id)


async def _store(
    ports: PosterPorts, video: Video, user_id: str, jpeg: bytes, correlation_id: str
) -> Video:
    key = keys.chosen_poster_key(video.id, uuid.uuid4().hex[:16])
    await ports.storage.put(key, jpeg, JPEG)
    saved = await change_video(
        ports, video.id, user_id, lambda v: v.with_poster(key), "poster", correlation_id
    )
    before = video.poster_key
    if before and before != key and keys.is_chosen_poster(video.id, before):
        await ports.storage.delete(before)  # the transcoder's own poster stays with the video
    return saved


def _ready(video: Video) -> Video:
    if video.status is not VideoStatus.READY:
        raise NotReady(f"The video is {video.status}; its poster can be chosen once it is ready.")
    return video
