"""The command-line client of the public API: `videoshare register / confirm / login / logout /
upload / videos list|download`.

It speaks only HTTP (aiohttp) to the ingress and to presigned S3 URLs; nothing here talks to
AWS directly, and of the server's code it imports only the pure magic-byte check
(`media/sniff.py`), so a file the pipeline would refuse at once is refused before upload.

arguments.py    the commands' arguments (light: every process builds the parser at start)
commands.py     running a command, the one place errors become one line and an exit code
account.py      register, confirm, login: what is missing asked for on a terminal
config.py       API URL and credentials from flags or environment; the user's config folder
credentials.py  the token cache (a 0600 file) and when a cached token is still good (pure)
session.py      an authenticated HTTP session: login, refresh on expiry, problem+json → errors
media_file.py   is this file something to upload at all, its content type and title (pure)
parts.py        multipart part plans and what is still missing (pure)
resume.py       the state file that makes an interrupted upload resumable
transfer.py     PUTting bytes to presigned URLs: single or parallel parts with retries
upload.py       one upload from file to `…/upload/complete`, resuming when it can
follow.py       following a video's status (SSE, polling as the fallback) until it settles
sse.py          a server-sent events parser (pure)
library.py      `videos list` and `videos download`
progress.py     the rich progress bar (bytes, speed, time left)
errors.py       `ClientFailure` and problem+json → a sentence (pure)
"""
