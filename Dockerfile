# syntax=docker/dockerfile:1
# fjord: one image for both processes.
#   api:    node dist/apps/api/src/main.js      (the default CMD; serves :3000)
#   worker: node dist/apps/worker/src/main.js   (BullMQ ingestion worker; needs REDIS_URL)
# docker-compose.yml runs both beside PostgreSQL (pgvector) and Redis.
#
# About the `npm ci || npm install` below: a lock written where the registry serves no other-platform
# builds of native packages (@node-rs/jieba-darwin-*, @swc/core-win32-*, ...) records no entries for
# them, and npm 11's `npm ci` refuses such a lock with EUSAGE "Missing: ... from lock file"
# (npm/cli#9846). `npm install` then installs from the same lock, keeping every locked version.

# ---- build: every dependency, TypeScript compiled to dist/ ------------------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies + dist/ + migrations/, as the unprivileged `node` user ---------
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data \
    SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN (npm ci --omit=dev --no-audit --no-fund || npm install --omit=dev --no-audit --no-fund) \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/api/src/main.js"]
