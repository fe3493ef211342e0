# One image for every process of the stack; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/app/.venv/bin:$PATH"

WORKDIR /app
RUN pip install --no-cache-dir "uv>=0.9"

# Dependencies first, from the lock file, so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY services ./services
COPY gateway ./gateway
COPY storefront ./storefront
COPY ops ./ops
COPY seed ./seed
COPY migrations ./migrations
RUN uv sync --frozen --no-dev

RUN useradd --create-home --uid 10001 tongnan && mkdir -p /app/var && chown tongnan /app/var
USER tongnan

EXPOSE 8000 8001 8002 8003
CMD ["tongnan", "--help"]
