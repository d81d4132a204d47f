# meetup-bot: the Slack app and its store in one small image.
#   docker build -t meetup-bot .
#   docker run -d --name meetup-bot -p 3000:3000 -v meetup-data:/data \
#     -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET meetup-bot
# `serve` imports the notes at every start (unchanged files are skipped): the bundled ones, or
# your team's folder when CONTENT_DIR is set; re-imports every IMPORT_INTERVAL seconds:
#   docker run -d --name meetup-bot -p 3000:3000 -v meetup-data:/data \
#     -v /srv/notes:/notes:ro -e CONTENT_DIR=/notes -e IMPORT_INTERVAL=300 \
#     -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET meetup-bot
# The bot runs as uid 10001: the notes need only be readable by it; /data must be writable.
# A named volume (meetup-data above) takes the image's ownership; a host folder mounted at
# /data needs `chown 10001:10001` first. The SQLite store lives on /data (or set DATABASE_URL
# to a PostgreSQL server).

# ---- build: install the package and its dependencies into a virtualenv
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY store ./store
COPY migrations ./migrations
# The bundled notes and the search glossary become package data (meetup_bot_content).
COPY content ./content
# Every dependency ships wheels for linux/amd64 and arm64 (psycopg[binary], rapidfuzz), so the
# slim image needs no compiler.
RUN /opt/venv/bin/pip install . \
    && /opt/venv/bin/python -m compileall -q /opt/venv/lib

# ---- run: the virtualenv (with the notes inside), an unprivileged user
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/meetup_bot.db \
    PORT=3000
RUN groupadd --system --gid 10001 meetup \
    && useradd --system --uid 10001 --gid meetup --home-dir /app --no-create-home meetup \
    && mkdir -p /app /data \
    && chown meetup:meetup /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER meetup
VOLUME ["/data"]
EXPOSE 3000
# /healthz answers 200 when the store answers, 503 otherwise (urlopen raises on 503).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)" || exit 1
# `serve` imports the notes itself (a rejected report is logged and does not keep the bot
# from starting); in exec form it is PID 1 and gets SIGTERM directly.
CMD ["meetup-bot", "serve"]
