"""A rendition as one MP4 file, streamed through the ingress (`usecases/downloads.py`).

    GET /v1/videos/{id}/renditions/{name}.mp4?token=…     the whole file, or a byte range

A rendition is stored once, as CMAF segments for HLS; its file is its init segment followed by
its segments (a fragmented MP4), read from storage piece by piece as the answer is written, so
the ingress never holds more than a chunk of it. `Range: bytes=…` (one range) answers 206, so a
`<video>` element can seek in it and a download can resume. The `Video`'s `renditions[].url`
and `GET …/download` (a redirect) point here with a playback token; without one, the caller
must be allowed to `GET` the video.
"""

from __future__ import annotations

from aiohttp import web

from videoshare.adapters.media_urls import attachment_disposition
from videoshare.entrypoints.http.bearer import optional_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.problem_json import Problem
from videoshare.usecases.downloads import rendition_file

routes = web.RouteTableDef()

RENDITION_PATH = "/v1/videos/{video_id}/renditions/{name:[A-Za-z0-9_-]{1,64}}.mp4"


@routes.get(RENDITION_PATH)
async def rendition(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token")
    user = None if token is not None else await optional_user(request)
    deps = dependencies(request)
    file = await rendition_file(
        deps,
        request.match_info["video_id"],
        request.match_info["name"],
        token,
        user.user_id if user else None,
    )
    start, stop = _byte_range(request, file.size)
    headers = {
        "Content-Type": "video/mp4",
        "Content-Length": str(stop - start),
        "Accept-Ranges": "bytes",
        "Content-Disposition": attachment_disposition(file.filename),
        "Cache-Control": "private, no-store",  # the URL carries a token
    }
    status = 200
    if (start, stop) != (0, file.size):
        status = 206
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{file.size}"
    response = web.StreamResponse(status=status, headers=headers)
    await response.prepare(request)
    if request.method != "HEAD":
        for piece in file.pieces(start, stop):
            async for chunk in deps.storage.read_range(piece.key, piece.start, piece.stop):
                await response.write(chunk)
    await response.write_eof()
    return response


def _byte_range(request: web.Request, size: int) -> tuple[int, int]:
    """The one byte range asked for, as (start, stop); the whole file without a `Range` (or
    with one this route does not serve, such as several ranges: RFC 9110 lets it ignore
    them); 416 when it starts past the end."""
    try:
        asked = request.http_range
    except ValueError:
        return 0, size
    if asked.start is None and asked.stop is None:
        return 0, size
    if asked.start is not None and asked.start < 0:  # a suffix: the last n bytes
        return max(0, size + asked.start), size
    start = asked.start or 0
    stop = size if asked.stop is None else min(asked.stop, size)
    if start >= size or stop <= start:
        raise Problem(
            416,
            "range-not-satisfiable",
            "Range not satisfiable",
            f"The file is {size} bytes long; the range asked for is outside it.",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, stop
