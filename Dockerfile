# One image for every cascade-lab service; compose picks the service by its command.
# Users build it from the official Node image; air-gapped builds pass a local one
# (compose/airgap/build-images.sh) and an npm cache in compose/airgap/npm-cache/.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Empty (only .gitkeep) for online builds; filled by build-images.sh for offline ones.
COPY compose/airgap/npm-cache/ /root/.npm/
RUN npm ci --prefer-offline --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY lib ./lib
COPY services ./services
COPY chaos ./chaos
COPY loadgen ./loadgen
COPY tsconfig.build.json docker-compose.yml ./
RUN npx tsc -p tsconfig.build.json && node scripts/copy-assets.mjs \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf /root/.npm

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The lab's topology (its compose labels), for a controller that cannot ask Docker (chaos/topology.ts).
COPY --from=build /app/docker-compose.yml ./
COPY scripts/healthcheck.sh ./healthcheck.sh
USER node
CMD ["node", "dist/services/dns-server/main.js"]
