# syntax=docker/dockerfile:1
# modelgate's container images, built from a modelgate checkout (docs/packaging.md, "Container images"):
#   docker build -t modelgate-lambda .                  the Lambda handler on AWS's Node.js 22 base image
#   docker build --target serve -t modelgate-serve .    `modelgate serve` for Kubernetes, ECS or any host
# MODEL names a model file in the build context to bake in (default: the iris demo). Build with
# --build-arg MODEL= to bake none; then set MODEL_URI (and MODEL_SHA256) when the container runs.
# MODEL_URI set at run time always wins over the baked-in model.

ARG MODEL=examples/iris/model.onnx

# Build: compile and bundle modelgate, then write the two folders the images copy. The folders carry
# onnxruntime-node for the target architecture only, so this stage runs on the builder's own platform.
FROM --platform=$BUILDPLATFORM public.ecr.aws/lambda/nodejs:22 AS build
ARG MODEL
ARG TARGETARCH
WORKDIR /src
COPY . .
# No install scripts: none is needed to build (onnxruntime-node's downloads only GPU extras), and the
# test-only packages that compile native code have no compiler in this image.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build
RUN case "$TARGETARCH" in arm64) arch=arm64 ;; *) arch=x86_64 ;; esac \
 && node bin/modelgate.js package --quiet --arch "$arch" ${MODEL:+--model "$MODEL"} --unpacked --out /pkg \
 && node bin/modelgate.js package --quiet --arch "$arch" ${MODEL:+--model "$MODEL"} --server --out /pkg \
 && mv "/pkg/function-$arch" /pkg/function && mv "/pkg/server-$arch" /pkg/server

# `modelgate serve` on Node.js 22 (Debian, glibc 2.36; onnxruntime needs 2.28 or newer). Listens on
# 8080; probes: GET /health (alive), GET /ready (model loaded). Extra arguments go to `modelgate serve`.
FROM node:22-bookworm-slim AS serve
WORKDIR /app
COPY --from=build /pkg/server/ /app/
USER node
EXPOSE 8080
ENTRYPOINT ["node", "--max-semi-space-size=8", "/app/modelgate.mjs", "serve", "--host", "0.0.0.0", "--port", "8080"]

# The Lambda function: the same files as the function zip, under AWS's runtime interface client.
FROM public.ecr.aws/lambda/nodejs:22 AS lambda
COPY --from=build /pkg/function/ ${LAMBDA_TASK_ROOT}/
CMD ["index.handler"]
