# The item master-data service, where a registry serves node:24 (`docker build .`). Offline,
# scripts/docker/buildHaImages.sh builds masterdata-service:local, which docker-compose.yml runs.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts tsconfig.base.json ./
COPY packages ./packages
COPY prisma ./prisma
COPY scripts/prismaGenerate.ts ./scripts/prismaGenerate.ts
RUN npm ci
COPY proto ./proto
COPY src ./src
ENV GRPC_HOST=0.0.0.0
EXPOSE 50051 9464
USER node
CMD ["node", "src/main.ts"]
