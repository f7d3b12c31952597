# The product on its own; docker-compose.yml adds drachtio-server, FreeSWITCH and Redis.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY config ./config
COPY server ./server
COPY media ./media
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# sox converts uploaded announcements (MP3 through libsox-fmt-mp3).
RUN apt-get update && apt-get install -y --no-install-recommends sox libsox-fmt-mp3 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# What the product reads at run time: package.json marks the package root (config/ and the
# built pages are found from it), config/default.yaml, the IVR flows that seed a fresh
# installation and the system prompts. The database migrations are compiled into dist/.
COPY package.json ./
COPY config ./config
COPY ivr-flows ./ivr-flows
COPY media/prompts ./media/prompts
# DATA_DIR (./data) and its announcements (shared with FreeSWITCH in docker-compose.yml) belong to the user the product runs as.
RUN mkdir -p data/announcements && chown -R node:node data
# SIP (UDP+TCP), SIP over WebSocket (secure with TLS_CERT/TLS_KEY; plain ws:// stays on the container's loopback), HTTP, RTP
EXPOSE 5060/udp 5060/tcp 8088/tcp 8080/tcp 20000-20999/udp
USER node
CMD ["node", "dist/server/main.js"]
