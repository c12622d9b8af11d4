"""Captions files: WebVTT or SRT in, WebVTT out. Pure code, with `webvtt-py`.

    to_webvtt(data)   # the WebVTT we store and serve, or BadSubtitles with a sentence

The format is told by the bytes (a WebVTT file starts with `WEBVTT`; anything else is read as
SRT). The file is parsed, never passed through: what is served is the library's WebVTT of the
cues it read, so an SRT becomes WebVTT and nothing but cues reaches a player. A file is refused
when it is not UTF-8 text, is neither format, has a cue line (`-->`) the parser could not read
(the library skips those silently in SRT, hence the count), a cue that does not end after it starts,
or no cue at all.
"""

from __future__ import annotations

import io

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError


class BadSubtitles(ValueError):
    """Not a captions file we can serve; the message is a sentence for the person."""


def to_webvtt(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadSubtitles("The file is not UTF-8 text, so not a WebVTT or SRT file.") from None
    if "\x00" in text:
        raise BadSubtitles("The file is binary, not a WebVTT or SRT file.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    is_vtt = text.lstrip().startswith("WEBVTT")
    kind = "WebVTT" if is_vtt else "SRT"
    try:
        captions = webvtt.from_buffer(
            io.StringIO(text), format="vtt" if is_vtt else "srt", strict=is_vtt
        )
    except MalformedFileError:
        raise BadSubtitles("The file is neither WebVTT nor SRT.") from None
    except MalformedCaptionError as exc:
        raise BadSubtitles(f"A cue of this {kind} file has broken timings: {exc}.") from None
    cues = captions.captions
    timing_lines = [line.strip() for line in text.split("\n") if "-->" in line]
    if len(timing_lines) != len(cues):
        read = {f"{c.start} --> {c.end}" for c in cues}
        broken = next(
            (line for line in timing_lines if _timing(line, is_vtt) not in read), timing_lines[0]
        )
        raise BadSubtitles(f"A cue of this {kind} file has broken timings: {broken!r}.")
    if not cues:
        raise BadSubtitles(f"This {kind} file has no cues.")
    for number, cue in enumerate(cues, 1):
        if cue.end <= cue.start:  # one fixed-width form (HH:MM:SS.mmm): text order is time order
            raise BadSubtitles(
                f"Cue {number} does not end ({cue.end}) after it starts ({cue.start}); "
                "its timings are broken."
            )
    return str(captions.content)


def _timing(line: str, is_vtt: bool) -> str:
    start, _, rest = line.partition("-->")
    end = rest.split()[0] if rest.split() else ""
    if not is_vtt:
        start, end = start.replace(",", "."), end.replace(",", ".")
    return f"{start.strip()} --> {end.strip()}"
