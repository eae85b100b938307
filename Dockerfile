# One image with all five services; compose.yaml picks the executable per container. Each
# service's OpenAPI document (and web's templates and stylesheet) travel beside it, as its
# resource bundle.

# --- build -----------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libzmq3-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so that source changes reuse this layer.
COPY Package.swift ./
RUN swift package resolve
COPY Shared ./Shared
COPY Services ./Services
COPY Clients ./Clients
COPY Tools ./Tools
COPY Tests ./Tests
# One product per invocation (swift build takes a single --product).
RUN mkdir -p /out \
    && for s in claims-intake payments audit-sampling notifications web; do \
         swift build -c release --static-swift-stdlib --product "$s" \
         && cp "$(swift build -c release --show-bin-path)/$s" /out/ || exit 1; \
       done \
    && cp -R "$(swift build -c release --show-bin-path)"/MentorClaims_*.resources /out/

# --- run -------------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libzmq5 libsqlite3-0 tzdata ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin mentorclaims \
    && mkdir -p /data && chown mentorclaims /data
COPY --from=build /out/ /usr/local/bin/
USER mentorclaims
WORKDIR /data
ENV LOG_FORMAT=json HTTP_HOST=0.0.0.0 TZ=Europe/London
# Each container runs one of: claims-intake, payments, audit-sampling, notifications, web.
CMD ["claims-intake"]
