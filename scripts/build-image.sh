#!/usr/bin/env bash
# Build the modelservice-fn container image without network access during the build:
#   1. ask the base image for its Python version, libc and architecture;
#   2. build the project wheel and download wheels of its runtime dependencies matching that
#      Python/platform into a temporary build context (the host's pip and package index);
#   3. `podman build --network=none` with the Dockerfile from the repository root.
#
# usage: scripts/build-image.sh [--tag IMAGE] [--base-image IMAGE] [--keep-context DIR]
#
# Environment (the options win):
#   IMAGE          tag to build        (default localhost/modelservice-fn:test)
#   BASE_IMAGE     Dockerfile base     (default localhost/modelservice-fn-base:<host codename>,
#                                       made by scripts/podman-setup.sh)
#   ENGINE         podman or docker    (default podman)
#   PYTHON         host Python used to build/download wheels (default python3)
#   MATCH_HOST=0   do not pin dependency wheels to the versions installed in $PYTHON
#                  (default: pin when installed, so the image runs what the tests ran)
set -euo pipefail

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC1091
CODENAME=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-bookworm}" || echo bookworm)
IMAGE=${IMAGE:-localhost/modelservice-fn:test}
BASE_IMAGE=${BASE_IMAGE:-localhost/modelservice-fn-base:$CODENAME}
ENGINE=${ENGINE:-podman}
PYTHON=${PYTHON:-python3}
KEEP=""

while [ $# -gt 0 ]; do
    case $1 in
        --tag) IMAGE=$2; shift 2 ;;
        --base-image) BASE_IMAGE=$2; shift 2 ;;
        --keep-context) KEEP=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done

command -v "$ENGINE" >/dev/null 2>&1 || die "$ENGINE not found (run scripts/podman-setup.sh as root)"
start=$SECONDS

# Local images (localhost/...) must never be looked up in a registry.
pull=()
case $BASE_IMAGE in
    localhost/*) if [ "$ENGINE" = podman ]; then pull=(--pull=never); fi ;;
esac

# 1. the base image's Python tags ----------------------------------------------------------
probe='import platform, sys
libc, ver = platform.libc_ver()
print("%d.%d" % sys.version_info[:2], sys.implementation.name, platform.machine(), libc, ver)'
read -r PYVER IMPL ARCH LIBC LIBCVER < <("$ENGINE" run --rm "${pull[@]}" --network=none \
    --entrypoint python3 "$BASE_IMAGE" -c "$probe") || die "cannot run python3 in $BASE_IMAGE"
[ "$IMPL" = cpython ] || die "$BASE_IMAGE runs $IMPL, not CPython"
[ "$LIBC" = glibc ] || die "$BASE_IMAGE uses ${LIBC:-an unknown libc}; only glibc (manylinux) bases are supported"
ABI="cp${PYVER//./}"
# pip does not widen --platform manylinux_2_X to older glibc tags: list them all, newest first,
# plus the legacy aliases (manylinux2014 = 2.17, manylinux2010 = 2.12, manylinux1 = 2.5).
glibc_major=${LIBCVER%%.*}
glibc_minor=${LIBCVER#*.}
glibc_minor=${glibc_minor%%.*}
[ "$glibc_major" = 2 ] || die "unexpected glibc version $LIBCVER in $BASE_IMAGE"
platforms=()
for ((m = glibc_minor; m >= 5; m--)); do
    platforms+=(--platform "manylinux_2_${m}_${ARCH}")
    case $m in
        17) platforms+=(--platform "manylinux2014_${ARCH}") ;;
        12) platforms+=(--platform "manylinux2010_${ARCH}") ;;
        5) platforms+=(--platform "manylinux1_${ARCH}") ;;
    esac
done
log "base $BASE_IMAGE: CPython $PYVER, glibc $LIBCVER, $ARCH"

# 2. wheels ----------------------------------------------------------------------------------
if [ -n "$KEEP" ]; then
    CTX=$KEEP
    rm -rf "$CTX/wheels"
    mkdir -p "$CTX"
else
    CTX=$(mktemp -d "${TMPDIR:-/tmp}/modelservice-fn-image.XXXXXX")
    trap 'rm -rf "$CTX"' EXIT
fi
mkdir -p "$CTX/wheels"
cp "$ROOT/Dockerfile" "$ROOT/.dockerignore" "$CTX/"

pipq=(-m pip --disable-pip-version-check -q)
# A fixed SOURCE_DATE_EPOCH makes the wheel byte-identical for identical sources.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-315532800} \
    "$PYTHON" "${pipq[@]}" wheel --no-deps --wheel-dir "$CTX/wheels" "$ROOT" \
    || die "building the project wheel failed"
wheels=("$CTX"/wheels/modelservice_fn-*.whl)
wheel=${wheels[0]}

constraints=()
if [ "${MATCH_HOST:-1}" != 0 ]; then
    # name==version of every distribution installed in $PYTHON; pip only applies the lines
    # naming something it resolves (the project's runtime dependencies).
    "$PYTHON" - >"$CTX/host-constraints.txt" <<'EOF'
import importlib.metadata as md
seen = set()
for d in md.distributions():
    name = (d.metadata["Name"] or "").lower()
    if name and name != "modelservice-fn" and name not in seen:
        seen.add(name)
        print(f"{name}=={d.version}")
EOF
    constraints=(--constraint "$CTX/host-constraints.txt")
fi
download() {
    "$PYTHON" "${pipq[@]}" download --dest "$CTX/wheels" --only-binary=:all: \
        --implementation cp --python-version "$PYVER" --abi "$ABI" "${platforms[@]}" "$@" "$wheel"
}
if ! download "${constraints[@]}"; then
    [ ${#constraints[@]} -gt 0 ] || die "downloading dependency wheels failed"
    log "no wheels for the host's dependency versions on CPython $PYVER/$ARCH; using the newest allowed"
    download || die "downloading dependency wheels failed"
fi
rm -f "$CTX/host-constraints.txt"
names=("$CTX"/wheels/*.whl)
log "wheels: ${names[*]##*/}"

# 3. build -----------------------------------------------------------------------------------
# --layers=false: no intermediate cache images are kept (they would pile up, one set per
# source change); the whole build takes a few seconds anyway.
layers=()
if [ "$ENGINE" = podman ]; then layers=(--layers=false); fi
"$ENGINE" build "${pull[@]}" "${layers[@]}" --network=none --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --tag "$IMAGE" --quiet "$CTX" >/dev/null || die "$ENGINE build failed"
# Drop earlier builds of this image that no tag names any more and no container uses (no pile
# of old builds; also what concurrent builds leave behind). Other images are not touched.
"$ENGINE" image prune --force --filter "label=org.opencontainers.image.title=modelservice-fn" \
    >/dev/null 2>&1 || true
log "built $IMAGE in $((SECONDS - start))s"
