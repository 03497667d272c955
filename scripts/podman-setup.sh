#!/usr/bin/env bash
# Prepare a Debian machine to build and run the modelservice-fn image with podman, offline
# from Docker Hub:
#   1. install podman, buildah, runc and debootstrap from Debian (skipped when installed);
#   2. write /etc/containers/containers.conf: runc as the OCI runtime and lowered default
#      ulimits (crun cannot handle this sandbox's hybrid cgroups, and the process may not
#      raise RLIMIT_NOFILE/NPROC);
#   3. build the base image (Debian minbase + python3 + python3-pip) with debootstrap from the
#      Debian mirror this machine's apt sources already use, only if it does not exist yet;
#   4. check that podman can start a container from it.
# Idempotent, unattended (CI=true, no stdin). Must run as root.
#
# Environment:
#   BASE_IMAGE     image to create (default localhost/modelservice-fn-base:<host codename>)
#   DEBIAN_SUITE   suite to debootstrap (default: the host's VERSION_CODENAME)
#   DEBIAN_MIRROR  mirror URL (default: read from /etc/apt/sources.list{,.d/*})
#   REBUILD_BASE=1 rebuild the base image even if it exists
set -euo pipefail

log() { printf 'podman-setup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, writes /etc/containers, runs debootstrap)"
command -v apt-get >/dev/null 2>&1 || die "needs a Debian-based machine (apt-get not found)"

# shellcheck disable=SC1091
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
SUITE=${DEBIAN_SUITE:-$CODENAME}
[ -n "$SUITE" ] || die "cannot tell the Debian codename from /etc/os-release; set DEBIAN_SUITE"
BASE_IMAGE=${BASE_IMAGE:-localhost/modelservice-fn-base:$SUITE}
BASE_PACKAGES=python3,python3-pip
PACKAGES=(podman buildah runc debootstrap)

export DEBIAN_FRONTEND=noninteractive
exec </dev/null

# Two sessions may call this at once (parallel CI jobs on one machine): serialise.
mkdir -p /run/lock
exec 9>/run/lock/modelservice-fn-podman-setup.lock
flock 9

start=$SECONDS

# 1. packages ------------------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (apt-get update + install)"
    alog=$(mktemp)
    if ! { apt-get update -q && apt-get install -y -q "${missing[@]}"; } >"$alog" 2>&1; then
        tail -n 30 "$alog" >&2
        rm -f "$alog"
        die "apt-get failed"
    fi
    rm -f "$alog"
else
    log "packages present: ${PACKAGES[*]}"
fi

# 2. containers.conf -------------------------------------------------------------------------
CONF=/etc/containers/containers.conf
read -r -d '' WANT_CONF <<'CONF' || true
# Written by modelservice-fn scripts/podman-setup.sh.
# The sandbox lacks CAP_SYS_RESOURCE: podman must not raise rlimits above these.
# crun fails on hybrid cgroup v1/v2 hosts ("cgroups in hybrid mode not supported"); runc works.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
CONF
mkdir -p /etc/containers
if [ -f "$CONF" ] && [ "$(cat "$CONF")" = "$WANT_CONF" ]; then
    log "$CONF up to date"
else
    if [ -f "$CONF" ] && [ ! -f "$CONF.orig" ]; then
        cp -p "$CONF" "$CONF.orig"
        log "saved the previous $CONF as $CONF.orig"
    fi
    printf '%s\n' "$WANT_CONF" >"$CONF"
    log "wrote $CONF (runtime runc, ulimits nofile/nproc 1024)"
fi

# 3. base image ------------------------------------------------------------------------------
# The first "deb" source serving $SUITE, from one-line sources.list files or deb822 .sources.
detect_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v suite="$SUITE" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == suite) { print $i; exit }
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v suite="$SUITE" '
            BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; uris = ""; suites = ""; enabled = "yes"
                for (n = 1; n <= NF; n++) {
                    line = $n
                    if (line ~ /^#/) continue
                    split(line, kv, ":")
                    key = tolower(kv[1]); val = substr(line, length(kv[1]) + 2)
                    gsub(/^[ \t]+|[ \t]+$/, "", val)
                    if (key == "types") types = val
                    else if (key == "uris") uris = val
                    else if (key == "suites") suites = val
                    else if (key == "enabled") enabled = tolower(val)
                }
                if (enabled == "no" || (" " types " ") !~ / deb /) next
                if ((" " suites " ") ~ (" " suite " ")) { split(uris, u, " "); print u[1]; exit }
            }' "$f"
    done
}

if podman image exists "$BASE_IMAGE" && [ "${REBUILD_BASE:-0}" != 1 ]; then
    log "base image $BASE_IMAGE exists"
else
    MIRROR=${DEBIAN_MIRROR:-$(detect_mirror | head -n 1)}
    [ -n "$MIRROR" ] || die "no Debian mirror for suite $SUITE in /etc/apt/sources.list*; set DEBIAN_MIRROR"
    ROOTFS=$(mktemp -d /var/tmp/modelservice-fn-rootfs.XXXXXX)
    DLOG=$ROOTFS.log
    cleanup() {
        local m
        for m in dev/pts dev proc sys; do
            if mountpoint -q "$ROOTFS/$m" 2>/dev/null; then umount -l "$ROOTFS/$m" || true; fi
        done
        rm -rf --one-file-system "$ROOTFS" "$DLOG"
    }
    trap cleanup EXIT
    log "debootstrap $SUITE (minbase + $BASE_PACKAGES) from $MIRROR (about a minute)"
    t=$SECONDS
    if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >"$DLOG" 2>&1; then
        tail -n 30 "$DLOG" >&2
        [ -f "$ROOTFS/debootstrap/debootstrap.log" ] && tail -n 30 "$ROOTFS/debootstrap/debootstrap.log" >&2
        die "debootstrap failed"
    fi
    chroot "$ROOTFS" sh -c 'apt-get clean
        rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log \
               /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/*'
    log "debootstrap done in $((SECONDS - t))s; importing as $BASE_IMAGE"
    podman image rm -f "$BASE_IMAGE" >/dev/null 2>&1 || true
    tar -C "$ROOTFS" --numeric-owner -c . | podman import --quiet \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        --change "LABEL org.opencontainers.image.description=Debian $SUITE minbase with $BASE_PACKAGES" \
        - "$BASE_IMAGE" >/dev/null
    cleanup
    trap - EXIT
fi

# 4. smoke test ------------------------------------------------------------------------------
if ! out=$(podman run --rm --pull=never --network=none "$BASE_IMAGE" \
        python3 -c 'import sys; print("python %d.%d" % sys.version_info[:2])' 2>&1); then
    printf '%s\n' "$out" >&2
    die "podman cannot run a container from $BASE_IMAGE"
fi
log "podman runs $BASE_IMAGE ($out); ready in $((SECONDS - start))s"
