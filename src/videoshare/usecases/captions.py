"""Captions: the owner adds one WebVTT or SRT file per language, lists and removes them; players
get them as WebVTT (a `<track>`) and as `TYPE=SUBTITLES` renditions of the HLS stream.

    add_captions(ports, video_id, user_id, "pt-br", "Português", data, rid)  # → Video, Caption
    remove_captions(ports, video_id, user_id, "pt-BR", request_id)
    captions_text(ports, video_id, "pt-BR", token, user_id)      # the WebVTT, for a <track>
    subtitle_playlist_text(ports, video_id, "pt-BR", token, user_id)   # its HLS media playlist

What is refused, before anything is stored:

    the caller may not see the video                    VideoNotFound
    the caller may see it but does not own it           OwnerOnly
    the video is not ready (its media folder is the transcoder's until then)   NotReady
    larger than `max_caption_bytes`                     FileTooLarge
    not a registered BCP 47 language                    UnknownLanguage
    not WebVTT or SRT, broken timings, no cue           BadCaptions

The file is stored as the WebVTT the parser wrote (`media/captions.py`) at
`media/{id}/captions/{language}.vtt`, then recorded on the video (a conditional write, as any
edit); adding a language again replaces it. The master playlist gets the renditions where it is
served (`usecases/playback.py`); the subtitle playlist of one language is made here, its one
segment a signed URL of the WebVTT file like every other segment.
"""

from __future__ import annotations

from typing import Protocol

from videoshare.domain import keys
from videoshare.domain.errors import (
    BadCaptions,
    CaptionNotFound,
    FileTooLarge,
    NotReady,
    UnknownLanguage,
)
from videoshare.domain.languages import language_tag
from videoshare.domain.video import Caption, Video, VideoStatus
from videoshare.media.captions import BadSubtitles, to_webvtt
from videoshare.media.subtitles import subtitle_playlist
from videoshare.settings import Settings
from videoshare.usecases.playback import PlaybackPorts, playable_video
from videoshare.usecases.ports import MediaStore
from videoshare.usecases.video_edits import EditPorts, change_video, owned_video

VTT_CONTENT_TYPE = "text/vtt; charset=utf-8"


class CaptionPorts(EditPorts, Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def storage(self) -> MediaStore: ...


def caption_language(raw: str) -> str:
    """`raw` as a canonical BCP 47 tag, or `UnknownLanguage`."""
    tag = language_tag(raw)
    if tag is None:
        raise UnknownLanguage(
            f"{raw[:40]!r} is not a language tag we know.",
            field="language",
            reasons=["must be a BCP 47 language tag of a registered language, e.g. en, pt-BR"],
        )
    return tag


async def add_captions(
    ports: CaptionPorts,
    video_id: str,
    user_id: str,
    language: str,
    label: str | None,
    data: bytes,
    correlation_id: str,
) -> tuple[Video, Caption]:
    video = await owned_video(ports, video_id, user_id)
    _check_ready(video)
    cap = ports.settings.max_caption_bytes
    if len(data) > cap:
        raise FileTooLarge(f"A captions file may be at most {cap:,} bytes.")
    tag = caption_language(language)
    try:
        vtt = to_webvtt(data)
    except BadSubtitles as exc:
        raise BadCaptions(str(exc), field="file", reasons=[str(exc)]) from None
    caption = Caption(language=tag, label=label or tag, key=keys.caption_key(video.id, tag))
    await ports.storage.put(caption.key, vtt.encode(), VTT_CONTENT_TYPE)
    saved = await change_video(
        ports, video.id, user_id, lambda v: v.with_caption(caption), "captions", correlation_id
    )
    return saved, caption


async def remove_captions(
    ports: CaptionPorts, video_id: str, user_id: str, language: str, correlation_id: str
) -> None:
    video = await owned_video(ports, video_id, user_id)
    caption = _caption_of(video, language)
    await change_video(
        ports,
        video.id,
        user_id,
        lambda v: v.without_caption(caption.language),
        "captions",
        correlation_id,
    )
    await ports.storage.delete(caption.key)


async def captions_text(
    ports: PlaybackPorts, video_id: str, language: str, token: str | None, user_id: str | None
) -> str:
    """One language's WebVTT, for a `<track>` (the playback rules of `playable_video`)."""
    video, _ = await playable_video(ports, video_id, token, user_id)
    caption = _caption_of(video, language)
    # stored by `add_captions` as WebVTT of at most about the file sent
    text = await ports.storage.read_text(caption.key, 2 * ports.settings.max_caption_bytes)
    if text is None:
        raise CaptionNotFound("This video's captions in that language are missing.")
    return text


async def subtitle_playlist_text(
    ports: PlaybackPorts, video_id: str, language: str, token: str | None, user_id: str | None
) -> str:
    """The HLS subtitle media playlist of one language: one segment, the signed WebVTT."""
    video, _ = await playable_video(ports, video_id, token, user_id)
    caption = _caption_of(video, language)
    (url,) = await ports.media_urls.media_urls(
        video.id, [caption.key], ports.settings.playback_token_ttl_s
    )
    return subtitle_playlist(url, video.duration_s or 0.0)


def _caption_of(video: Video, language: str) -> Caption:
    tag = language_tag(language)
    caption = video.caption(tag) if tag else None
    if caption is None:
        raise CaptionNotFound(f"This video has no captions in {language[:40]!r}.")
    return caption


def _check_ready(video: Video) -> None:
    if video.status is not VideoStatus.READY:
        raise NotReady(f"The video is {video.status}; captions can be added once it is ready.")
