# One image with all five services; compose.yaml picks the executable per container. Each
# service's OpenAPI document (and web's templates and stylesheet) travel beside it, as its
# resource bundle.
#
# Build arguments (the defaults are the public images, so `docker build .` needs none):
#   BUILD_IMAGE    the Swift toolchain image the executables are compiled in
#   RUNTIME_IMAGE  the slim Debian image they run in
#   EXECUTABLES    `compiled` (the default): compiled here, in BUILD_IMAGE; or `host`: taken from
#                  the build context's `.containers/` (`bin/` the executables and their resource
#                  bundles, `lib/` the Swift libraries they link), built outside the image on the
#                  same Debian release (`make containers` does this)
ARG BUILD_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG EXECUTABLES=compiled

# --- compiled: build inside the toolchain image ------------------------------------------------
FROM ${BUILD_IMAGE} AS compiled
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
    && cp -R "$(swift build -c release --show-bin-path)"/MentorClaims_*.resources /out/ \
    && mkdir -p /out-lib

# --- host: executables built outside, on the same Debian release -------------------------------
FROM ${RUNTIME_IMAGE} AS host
COPY .containers/bin/ /out/
COPY .containers/lib/ /out-lib/

FROM ${EXECUTABLES} AS executables

# --- run: only the executables, their resources and their libraries ----------------------------
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libzmq5 libsqlite3-0 tzdata ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin mentorclaims \
    && mkdir -p /data && chown mentorclaims /data
COPY --from=executables /out/ /usr/local/bin/
COPY --from=executables /out-lib/ /usr/local/lib/mentor-claims/
RUN echo /usr/local/lib/mentor-claims > /etc/ld.so.conf.d/mentor-claims.conf && ldconfig
USER mentorclaims
WORKDIR /data
ENV LOG_FORMAT=json HTTP_HOST=0.0.0.0 TZ=Europe/London
# Each container runs one of: claims-intake, payments, audit-sampling, notifications, web.
CMD ["claims-intake"]
