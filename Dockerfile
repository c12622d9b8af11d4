# syntax=docker/dockerfile:1
# One image for every process of videoshare: the command picks it.
#   docker run IMAGE api                    the ingress (HTTP on VIDEOSHARE_API_PORT, 8080)
#   docker run IMAGE worker transcoder      one worker (side server on VIDEOSHARE_HEALTH_PORT)
#   docker run IMAGE provision              create or update the AWS resources, then exit
# Nothing beyond the Python wheels is needed at run time: PyAV's wheel bundles its FFmpeg
# libraries, imageio-ffmpeg's wheel bundles the ffmpeg binary the transcoder runs (it links
# only glibc and libgcc_s, both in the slim base); the build runs it once to prove it.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: wheels for the project and every dependency ------------------------------------
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
RUN python -m pip install --no-cache-dir --upgrade pip
COPY pyproject.toml README.md requirements.lock ./
COPY src ./src
# Every dependency at the version requirements.lock pins, each file checked against its hashes
# (`make lock`); then the project's own wheel, which brings nothing more.
RUN python -m pip wheel --no-cache-dir --wheel-dir /wheels --require-hashes -r requirements.lock \
    && python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- runtime: a virtualenv of those wheels, no compilers, not root -------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    VIDEOSHARE_MODE=aws \
    VIDEOSHARE_API_HOST=0.0.0.0 \
    VIDEOSHARE_HEALTH_HOST=0.0.0.0
RUN python -m venv /opt/venv \
    && groupadd --system --gid 10001 videoshare \
    && useradd --system --uid 10001 --gid videoshare --create-home --home-dir /home/videoshare videoshare
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    /opt/venv/bin/pip install --no-cache-dir --no-index --find-links=/wheels videoshare \
    && /opt/venv/bin/python -c "import av, subprocess, imageio_ffmpeg; \
subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), '-hide_banner', '-version'], check=True)"
USER videoshare
WORKDIR /home/videoshare
EXPOSE 8080 9101 9102 9103 9104 9105 9106 9107
# Asks /healthz of whichever process this container runs (videoshare/infra/healthcheck.py).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["videoshare", "healthcheck"]
ENTRYPOINT ["videoshare"]
CMD ["api"]
