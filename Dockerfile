# cctv in a container: `cctv run` (every stage, supervised), the web app on 8080, data in /var/lib/cctv.
# Build: docker build -t cctv .      Run: see compose.yaml (config, env file with the secrets, data volume).
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/cctv
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json config.example.yaml ./
COPY bin ./bin
RUN mkdir -p /var/lib/cctv /etc/cctv && chown node:node /var/lib/cctv
USER node
ENV CCTV_CONFIG=/etc/cctv/cctv.config.yaml CCTV_LOG_FORMAT=json NODE_ENV=production
VOLUME /var/lib/cctv
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:8080/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# cctv finalises the open segments on SIGTERM (docker stop); give it time before SIGKILL.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/cctv/bin/cctv.js"]
CMD ["run"]
