# syntax=docker/dockerfile:1
# One image for the four roadpulse services of the distributed deployment (docker-compose.yml):
# the command picks the service, e.g.
#   docker run --rm roadpulse:local services/ingest/main.ts
# TypeScript runs as it is through tsx (a runtime dependency): `node --import tsx <entry>.ts`.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- dependencies: production only, native modules built or fetched here ---------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# better-sqlite3 normally installs a prebuilt binary (prebuild-install); the toolchain lets it fall
# back to compiling (node-gyp) on a platform without one. It stays in this stage only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# ---- runtime -----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# root-owned and read-only for the service user
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY shared ./shared
COPY services ./services
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs

# the unprivileged user of the node image (uid 1000); tsx keeps its cache under /tmp
USER node

# MQTT (ingest) and HTTP (api; /healthz, /readyz, /metrics on every service)
EXPOSE 1883 8080

# docker-compose.yml sets its own healthchecks; this one serves `docker run`
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["node", "/app/deploy/healthcheck.mjs", "/readyz"]

ENTRYPOINT ["node", "--max-semi-space-size=32", "--import", "tsx"]
CMD ["services/api/main.ts"]
