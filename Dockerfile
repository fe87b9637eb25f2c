# One image for web, worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY assets ./assets
RUN mkdir -p static/govuk \
 && npx sass --pkg-importer=node --style=compressed --no-source-map assets/app.scss static/app.css \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/ \
 && cp assets/app.js assets/favicon.svg static/

FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home app
WORKDIR /app
COPY pyproject.toml README.md ./
COPY commissioning ./commissioning
COPY workers ./workers
COPY templates ./templates
COPY migrations ./migrations
# Editable, so that templates/ and migrations/ beside the package are found where they are.
RUN pip install --no-cache-dir -e . && mkdir -p instance && chown app instance
COPY --from=assets /src/static ./commissioning/static
USER app
ENV APP_ENV=production
EXPOSE 8000
