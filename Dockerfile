# syntax=docker/dockerfile:1
# Targets:
#   app         web server, CPU worker and beat (CPU torch build, slim)
#   gpu-worker  Celery worker for the `gpu` queue with a CUDA torch build
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 SMARTNOTES_ENV=production
RUN groupadd --system app && useradd --system --gid app --home /app app
WORKDIR /app

FROM base AS build-cpu
RUN python -m venv /venv
COPY requirements.txt .
# The CPU wheel index keeps multi-GB CUDA wheels out of the slim image.
RUN /venv/bin/pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu \
    -r requirements.txt

FROM base AS build-gpu
RUN python -m venv /venv
COPY requirements.txt requirements-gpu.txt ./
RUN /venv/bin/pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cu128 \
    -r requirements-gpu.txt \
 && /venv/bin/pip install --no-cache-dir -r requirements.txt

FROM base AS app
COPY --from=build-cpu /venv /venv
COPY --chown=app:app . .
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost \
    SMARTNOTES_BASE_URL=https://build.invalid \
    /venv/bin/python manage.py collectstatic --noinput
USER app
ENV PATH=/venv/bin:$PATH PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/', timeout=4)"
CMD ["sh", "-c", "mkdir -p $PROMETHEUS_MULTIPROC_DIR && gunicorn smartnotes.wsgi"]

FROM base AS gpu-worker
COPY --from=build-gpu /venv /venv
COPY --chown=app:app . .
USER app
ENV PATH=/venv/bin:$PATH PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus SMARTNOTES_NLI_DEVICE=cuda
CMD ["sh", "-c", "mkdir -p $PROMETHEUS_MULTIPROC_DIR && celery -A smartnotes worker -Q gpu --pool solo --hostname gpu@%h --loglevel INFO"]
