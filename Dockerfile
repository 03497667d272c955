# modelservice-fn as a container KRM function (kpt `image:`, kustomize `container:`).
#
# Build context: this file, .dockerignore and a wheels/ directory holding the project wheel
# plus wheels of its runtime dependencies (PyYAML, pydantic, pydantic-core, typing-extensions,
# annotated-types, typing-inspection) for the base image's Python version and CPU
# architecture. scripts/build-image.sh prepares that context and builds; docs/container.md
# shows the manual steps. Nothing is downloaded during the build: it works with
# --network=none.
#
# BASE_IMAGE must provide python3 with pip. Default: the official slim image. Offline here:
#   --build-arg BASE_IMAGE=localhost/modelservice-fn-base:bookworm (scripts/podman-setup.sh)
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS install
COPY wheels/ /tmp/wheels/
# --target: a self-contained tree, independent of the base's site-packages (and of PEP 668
# on Debian's python3). Bytecode is compiled here: the runtime user cannot write it.
RUN python3 -m pip install --no-index --find-links=/tmp/wheels --no-cache-dir \
        --disable-pip-version-check --root-user-action=ignore \
        --target=/opt/modelservice-fn /tmp/wheels/modelservice_fn-*.whl \
    && PYTHONPATH=/opt/modelservice-fn /opt/modelservice-fn/bin/modelservice-fn --version

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="modelservice-fn" \
      org.opencontainers.image.description="KRM function: OtterScale ModelService -> every child object the model-operator creates" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=install /opt/modelservice-fn /opt/modelservice-fn
# modelservice-fn on PATH too: the Argo CD sidecar (examples/argocd) runs it by name.
ENV PATH=/opt/modelservice-fn/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONPATH=/opt/modelservice-fn \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUTF8=1
# Unprivileged, no home, no writable paths needed: runs with --read-only --network none
# --cap-drop ALL (kpt and kustomize override the user with `--user nobody`, also fine).
USER 65532:65532
ENTRYPOINT ["/opt/modelservice-fn/bin/modelservice-fn"]
