# Build stage: compile TypeScript and the better-sqlite3 native addon.
FROM node:24.22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: pg_dump/pg_restore for backups, no compilers. pg_dump dumps servers of its own
# major version and older, never newer, so the client is the newest major of the PostgreSQL
# project's apt repository (PGDG), not Debian's older one; pin it with --build-arg POSTGRES_CLIENT_MAJOR=18.
FROM node:24.22-bookworm-slim
ARG POSTGRES_CLIENT_MAJOR=
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
    > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && major="${POSTGRES_CLIENT_MAJOR:-$(apt-cache pkgnames postgresql-client- | sed -n 's/^postgresql-client-\([0-9][0-9]*\)$/\1/p' | sort -n | tail -1)}" \
 && apt-get install -y --no-install-recommends "postgresql-client-$major" \
 && pg_dump --version \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
# The source revision, shown as mentorhub_build_info{revision}: --build-arg APP_REVISION=$(git rev-parse --short HEAD).
ARG APP_REVISION=unknown
ENV NODE_ENV=production APP_REVISION=$APP_REVISION
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p backups logs data && chown node:node backups logs data
USER node
EXPOSE 8000
# Readiness (database reachable, not draining); node's fetch, as the slim image has no curl or wget.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/api/v1/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
