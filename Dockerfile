# The summarizer with its embedded model. Build: docker build -t summarizer .
# Run:   docker run -p 8000:8000 -e SUMMARIZER_API_KEYS=change-me summarizer

FROM python:3.11-slim AS build
# llama-cpp-python compiles llama.cpp from source. Debian's toolchain is left unpinned so
# that rebuilds pick up its security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY summarizer_eval ./summarizer_eval
COPY prompts ./prompts
COPY schemas ./schemas
# A portable build (AVX2), not one for whichever machine runs `docker build`.
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF"
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 summarizer
COPY --from=build /wheels /wheels
# Only the wheels built above are installable here (--no-index), so they are the pin. No extra:
# the eval tools' matplotlib stays out of the image (`summarizer eval` says how to add it).
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --no-index --find-links=/wheels newsroom-summarizer \
    && rm -rf /wheels
USER 10001
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]
# A container is reached from outside its network namespace, so it binds all interfaces;
# set SUMMARIZER_API_KEYS when the port is published beyond a trusted network.
CMD ["summarizer", "serve", "--host", "0.0.0.0", "--port", "8000"]
