# Production image: slim Python, non-root user, `portal serve` on 0.0.0.0:8000.
# The database comes from PORTAL_DATABASE_URL (PostgreSQL in production); run
# `portal db upgrade` once per release (e.g. as a one-off container) before starting instances.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PORTAL_ENV=production PORTAL_DATA_DIR=/app/var PORTAL_ROOT=/app
WORKDIR /app
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN pip install . && useradd --create-home --uid 10001 portal && mkdir -p /app/var && chown portal /app/var
USER portal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["portal", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
