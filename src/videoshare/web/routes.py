"""The web app's routes: the single-page shell at `/` and its client-side paths, and
`/static/…`.

    app.add_routes(web_routes.routes)
    ...                                  # every other route of the ingress
    web_routes.add_missing_page(app)     # last: any other page address

Cache rules: files under `static/vendor/` carry their version in their name and never change,
so they are cached for a year (`immutable`); the shell and the app's own modules change with
each release under the same name, so they are revalidated on every use (`no-cache`, with the
`ETag` and `Last-Modified` aiohttp's file responses carry). The shell is served at the
paths the app itself routes (below) with 200, and at any other address outside `/v1/` and
`/static/` with 404, so a person who mistypes an address sees the app's own "page not found"
screen; anything under `/v1/` or `/static/` stays the API's problem+json 404.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parent / "static"
SHELL = STATIC_DIR / "index.html"

# The paths the app routes in the browser (js/router.js); a reload on any of them gets the shell.
CLIENT_PATHS = (
    "/",
    "/login",
    "/register",
    "/forgot",
    "/confirm",
    "/account",
    "/upload",
    "/library",
    "/notifications",
    "/videos/{video_id}",
    "/videos/{video_id}/edit",
)

REVALIDATE = "no-cache"
FOREVER = "public, max-age=31536000, immutable"
CONTENT_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}

routes = web.RouteTableDef()


async def shell(request: web.Request) -> web.FileResponse:
    return _file(SHELL, REVALIDATE)


for _path in CLIENT_PATHS:
    routes.get(_path)(shell)

# Every GET address but the API's and the static files'; matched last (see add_missing_page).
MISSING_PAGE = r"/{path:(?!v1(?:/|$)|static(?:/|$)).*}"


async def missing_page(request: web.Request) -> web.FileResponse:
    """The shell with a 404 status: the app routes the address to its "page not found" screen."""
    return _file(SHELL, REVALIDATE, status=web.HTTPNotFound.status_code)


def add_missing_page(app: web.Application) -> None:
    """Serve `missing_page` at any address no route took: call it after every other route is
    added (aiohttp matches routes in the order they were added)."""
    app.router.add_get(MISSING_PAGE, missing_page)


@routes.get("/static/{path:.+}")
async def static(request: web.Request) -> web.FileResponse:
    target = static_file(STATIC_DIR, request.match_info["path"])
    if target is None:
        raise web.HTTPNotFound()  # the ingress answers it as its problem+json 404
    return _file(target, cache_control_for(target.relative_to(STATIC_DIR)))


def static_file(root: Path, requested: str) -> Path | None:
    """The file under `root` that `requested` names, or None: no `..`, no hidden files, no
    folders, nothing outside `root` (symbolic links included)."""
    parts = PurePosixPath(requested).parts
    if not parts or any(part in {"..", "."} or part.startswith(".") for part in parts):
        return None
    if "\\" in requested or "\x00" in requested:
        return None
    target = root.joinpath(*parts).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return None
    if target.suffix not in CONTENT_TYPES:
        return None
    return target


def cache_control_for(relative: Path) -> str:
    """Versioned vendor files forever; everything else revalidated."""
    return FOREVER if relative.parts[0] == "vendor" and relative.suffix == ".mjs" else REVALIDATE


def _file(path: Path, cache_control: str, *, status: int = 200) -> web.FileResponse:
    return web.FileResponse(
        path,
        status=status,
        headers={
            "Cache-Control": cache_control,
            "Content-Type": CONTENT_TYPES[path.suffix],
            "X-Content-Type-Options": "nosniff",
        },
    )
