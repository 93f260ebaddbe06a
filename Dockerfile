# syntax=docker/dockerfile:1
# Responsiva's production image: one image for the three roles (web, worker, scheduler), chosen by the command.
# Build: docker build -t responsiva .  or  podman build --format docker -t responsiva .  (podman's default OCI format
# drops HEALTHCHECK). Run: compose.yaml and docs/operations.md.
# NODE_IMAGE may name a mirror of the same official image (a city's own registry); keep it a Debian bookworm "slim"
# image of a Node.js LTS line (22 or 24), pinned by tag, never "latest".
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: every dependency, then `npm run build` writes dist/ (server, CLI, migrations, locales, web assets).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- runtime: production dependencies only, the built dist/, no compilers, no sources, not root.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/responsiva
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY LICENSE ./
# uid 10001 owns nothing but its data folder (attachments; the embedded database when DATABASE_URL is unset): the
# application files stay root's and read-only to it.
RUN groupadd --gid 10001 responsiva \
 && useradd --uid 10001 --gid responsiva --no-create-home --home-dir /var/lib/responsiva --shell /usr/sbin/nologin \
      responsiva \
 && mkdir -p /var/lib/responsiva \
 && chown responsiva:responsiva /var/lib/responsiva
USER 10001:10001
VOLUME ["/var/lib/responsiva"]
EXPOSE 3000
# /health answers without the database (alive); orchestrators route traffic on /health/ready instead.
# The slim image has no curl: Node's own fetch does the probe. Worker and scheduler containers listen on no port and
# turn this off (compose.yaml); their heartbeats are checked by the web role's /health/ready.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT||3000}/health`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM ends a role gracefully (it finishes or gives back what it holds); node runs as PID 1 and handles it.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js", "--roles=web"]
