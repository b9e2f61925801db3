# syntax=docker/dockerfile:1

# Build: compile src/ to dist/ and the operator console (web/) to web/dist/, with the full dependency set.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
COPY web ./web
RUN npx vite build --config web/vite.config.ts --logLevel warn

# Runtime: production dependencies, the compiled service and the SQL migrations, which the
# service finds relative to the repository root.
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
# Production mode: the development JWT secret in the source is refused; AUTH_JWT_SECRET or AUTH_JWKS_URL is required.
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# Served under /console by the API (src/api/console-assets.ts finds it beside dist/).
COPY --from=build /app/web/dist ./web/dist
COPY src/db/migrations ./src/db/migrations
USER node
# 9464 is the admin port (metrics, readiness detail): keep it off the public network.
EXPOSE 3000 9464
CMD ["node", "dist/main.js"]
