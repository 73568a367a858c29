#!/usr/bin/env bash
# Run edge_eval.py on TFLite files natively (x86) and in an emulated arm64 Debian userland (qemu-user + chroot),
# save both machines' raw outputs, and compare them with compare_outputs.py: do the ARM kernels (XNNPACK's
# aarch64 paths, as on a Raspberry Pi) answer what the x86 ones answer?
#
# Usage (root; Debian/Ubuntu host with network access to deb.debian.org and PyPI):
#   export/arm64_run.sh [--reference REF.npz] FILE.tflite...
#   export/arm64_run.sh edge/asc_net/asc_net_float32.tflite edge/asc_net/asc_net_dynamic.tflite
# Without --reference each file reads the reference.npz beside it. Exit status: compare_outputs.py's (1 when a
# float32 file differs by more than 1e-5, or a top-1 class differs on any spectrum), or edge_eval.py's failure.
#
# Idempotent: each step is skipped when already done.
#   1. Debian packages qemu-user-static, debootstrap (apt-get)                                   here: 6 s
#   2. binfmt_misc: mounted and qemu-aarch64 registered (flag F: the chroot needs no qemu inside)  here: <1 s
#   3. arm64 bookworm rootfs with python3 (3.11) in $ARM64_ROOT: debootstrap --foreign (27 s),
#      then its second stage run under emulation (5 min 21 s)
#   4. aarch64 cp311 wheels of ai-edge-litert==$LITERT_VERSION and numpy (host pip download, 1 s) installed
#      into a venv in the rootfs, /opt/edge-venv, by the emulated pip from the local folder (venv 23 s,
#      pip install 20 s)
#   5. edge_eval.py --save-outputs on x86 (host python) and in the chroot, then compare_outputs.py: 64 spectra,
#      x86 under 1 s for all; arm64: asc_net float32 + dynamic 14 s (92 / 43 ms a spectrum), ae_trans 5 s
# Timings: a 2-core AMD EPYC VM (Firecracker), Debian 12 host, qemu 7.2.
#
# Emulation details that matter:
#   * the chroot gets /proc and /sys mounted (XNNPACK's cpuinfo reads /sys/devices/system/cpu/{possible,present})
#     and a fake ARM /proc/cpuinfo bind-mounted over the host's: qemu 7.2 shows the guest the host's x86
#     /proc/cpuinfo, on which XNNPACK's cpuinfo crashes (SIGSEGV); without /proc or /sys cpuinfo fails, XNNPACK
#     is not used, and TFLite's built-in kernels run instead (then "Created ... XNNPACK delegate" is missing);
#   * $ARM64_CPU picks qemu's CPU model (QEMU_CPU) and the MIDR in the fake /proc/cpuinfo: cortex-a76 (default,
#     Raspberry Pi 5: fp16, dot product), cortex-a72 (Pi 4: plain ARMv8.0 NEON), cortex-a53, neoverse-n1, max.
#     Not max with bookworm's qemu 7.2: its SME emulation is wrong (asc_net_dynamic: top-1 7.8% against Keras;
#     right with max,sme=off, and right with SME on under qemu 10.0 from bookworm-backports);
#   * peak memory under qemu is the emulator process's (ru_maxrss includes qemu and its translated code), not a
#     board's; latencies under emulation say nothing about a board.
#
# Environment: ARM64_ROOT (rootfs, default /work/arm64-root), ARM64_OUT (outputs: x86.npz, arm64.npz and the
# tables; default /tmp/arm64-run), ARM64_WHEELS (wheel folder, default $ARM64_ROOT.wheels), ARM64_CPU,
# HOST_PYTHON (x86 python with numpy and ai_edge_litert; default the repository's .venv), LITERT_VERSION,
# DEBIAN_MIRROR. CI does not run this script.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${ARM64_ROOT:-/work/arm64-root}
OUT=${ARM64_OUT:-/tmp/arm64-run}
WHEELS=${ARM64_WHEELS:-${ROOT%/}.wheels}
CPU=${ARM64_CPU:-cortex-a76}
HOST_PYTHON=${HOST_PYTHON:-$HERE/../.venv/bin/python}
LITERT_VERSION=${LITERT_VERSION:-2.3.0}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
VENV=/opt/edge-venv  # inside the rootfs
STAGE=/edge-run      # inside the rootfs: edge_eval.py, the files and their references, copied for each run

die() { echo "arm64_run: $*" >&2; exit 2; }
step() {  # step "what" command...: run it, say how long it took
    local what=$1 start=$SECONDS; shift
    echo "arm64_run: $what ..."
    "$@"
    echo "arm64_run: $what: $((SECONDS - start)) s"
}

REFERENCE=
FILES=()
while (($#)); do
    case $1 in
        --reference) (($# >= 2)) || die "--reference needs a file"; REFERENCE=$(realpath "$2"); shift 2 ;;
        --reference=*) REFERENCE=$(realpath "${1#--reference=}"); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1 (only --reference REF.npz)" ;;
        *) FILES+=("$(realpath "$1")"); shift ;;
    esac
done
((${#FILES[@]})) || die "give at least one .tflite file (--help says more)"
for f in "${FILES[@]}"; do [[ -f $f ]] || die "no such file $f"; done
[[ -z $REFERENCE || -f $REFERENCE ]] || die "no reference file $REFERENCE"
((EUID == 0)) || die "needs root (apt-get, debootstrap, mount, chroot)"
[[ -x $HOST_PYTHON ]] || die "no host python $HOST_PYTHON (set HOST_PYTHON to one with numpy and ai_edge_litert)"

# 1. Debian packages
if ! command -v qemu-aarch64-static >/dev/null || ! command -v debootstrap >/dev/null; then
    install_packages() {
        apt-get install -y qemu-user-static debootstrap \
            || { apt-get update && apt-get install -y qemu-user-static debootstrap; }
    }
    step "apt-get install qemu-user-static debootstrap" install_packages
fi

# 2. binfmt_misc: the kernel hands aarch64 ELF files to qemu (what lets chroot run the rootfs's programs)
if [[ ! -e /proc/sys/fs/binfmt_misc/status ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
fi
if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    if command -v update-binfmts >/dev/null; then
        update-binfmts --enable qemu-aarch64
    else
        cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register
    fi
fi
grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "binfmt qemu-aarch64 is not enabled"

# 3. the rootfs (second stage done when /debootstrap is gone)
if [[ ! -x $ROOT/usr/bin/python3 && ! -d $ROOT/debootstrap ]]; then
    step "debootstrap --foreign (first stage)" debootstrap --arch=arm64 --foreign \
        --include=python3,python3-venv,python3-pip,ca-certificates bookworm "$ROOT" "$MIRROR"
fi
if [[ -d $ROOT/debootstrap ]]; then
    cp /usr/bin/qemu-aarch64-static "$ROOT/usr/bin/"
    step "debootstrap --second-stage (emulated)" chroot "$ROOT" /debootstrap/debootstrap --second-stage
fi
[[ $(chroot "$ROOT" uname -m) == aarch64 ]] || die "chroot $ROOT does not run aarch64 programs"

# 4. the wheels, installed by the emulated pip from a local folder
if ! chroot "$ROOT" "$VENV/bin/python" -c "import ai_edge_litert, numpy" 2>/dev/null; then
    python_version=$(chroot "$ROOT" python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    tag=cp${python_version/./}
    platforms=()
    for p in manylinux_2_36_aarch64 manylinux_2_28_aarch64 manylinux_2_27_aarch64 manylinux_2_17_aarch64 \
             manylinux2014_aarch64; do platforms+=(--platform "$p"); done
    step "pip download aarch64 wheels" "$HOST_PYTHON" -m pip download --quiet --only-binary=:all: "${platforms[@]}" \
        --python-version "$python_version" --implementation cp --abi "$tag" --abi abi3 --abi none \
        "ai-edge-litert==$LITERT_VERSION" numpy -d "$WHEELS"
    rm -rf "$ROOT/wheels" && mkdir -p "$ROOT/wheels" && cp "$WHEELS"/*.whl "$ROOT/wheels/"
    [[ -x $ROOT$VENV/bin/python ]] || step "python3 -m venv (emulated)" chroot "$ROOT" python3 -m venv "$VENV"
    step "pip install wheels (emulated)" chroot "$ROOT" "$VENV/bin/pip" install --isolated --quiet --no-index \
        --find-links /wheels "ai-edge-litert==$LITERT_VERSION" numpy
fi

# 5. stage the files in the rootfs (with their references), mount /proc, /sys and the fake cpuinfo, run
case $CPU in  # MIDR fields of the fake /proc/cpuinfo: implementer part variant revision
    cortex-a53) midr=(0x41 0xd03 0x0 4) ;;
    cortex-a72) midr=(0x41 0xd08 0x0 3) ;;
    cortex-a76) midr=(0x41 0xd0b 0x4 1) ;;
    neoverse-n1|max|max,*) midr=(0x41 0xd0c 0x4 1) ;;
    *) die "ARM64_CPU=$CPU: use cortex-a53, cortex-a72, cortex-a76, neoverse-n1 or max" ;;
esac
rm -rf "${ROOT:?}$STAGE" && mkdir -p "$ROOT$STAGE" "$OUT"
cp "$HERE/edge_eval.py" "$ROOT$STAGE/"
inside=()
for i in "${!FILES[@]}"; do
    f=${FILES[$i]}
    mkdir -p "$ROOT$STAGE/$i" && cp "$f" "$ROOT$STAGE/$i/"
    [[ -n $REFERENCE || ! -f $(dirname "$f")/reference.npz ]] || cp "$(dirname "$f")/reference.npz" "$ROOT$STAGE/$i/"
    inside+=("$STAGE/$i/$(basename "$f")")
done
reference_host=() reference_inside=()
if [[ -n $REFERENCE ]]; then
    cp "$REFERENCE" "$ROOT$STAGE/reference.npz"
    reference_host=(--reference "$REFERENCE") reference_inside=(--reference "$STAGE/reference.npz")
fi
for ((n = 0; n < $(nproc --all); n++)); do
    printf 'processor\t: %s\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n' "$n"
    printf 'CPU implementer\t: %s\nCPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: %s\n\n' \
        "${midr[0]}" "${midr[2]}" "${midr[1]}" "${midr[3]}"
done > "$ROOT/etc/edge-cpuinfo"

mounted=()
cleanup() { local k; for ((k = ${#mounted[@]} - 1; k >= 0; k--)); do umount -R "${mounted[$k]}" || true; done; }
trap cleanup EXIT
mountpoint -q "$ROOT/proc" || { mount -t proc proc "$ROOT/proc" && mounted+=("$ROOT/proc"); }
mountpoint -q "$ROOT/sys" \
    || { mount --rbind /sys "$ROOT/sys" && mount --make-rslave "$ROOT/sys" && mounted+=("$ROOT/sys"); }
mount --bind "$ROOT/etc/edge-cpuinfo" "$ROOT/proc/cpuinfo" && mounted+=("$ROOT/proc/cpuinfo")

# XNNPACK on arm64 needs cpuinfo to work in the chroot: one spectrum in-process, to see its start-up line
probe=$(QEMU_CPU=$CPU chroot "$ROOT" "$VENV/bin/python" "$STAGE/edge_eval.py" "${inside[0]}" "${reference_inside[@]}" \
    --no-isolate --limit 1 --warmup 0 2>&1 >/dev/null) || die "edge_eval.py failed under emulation: $probe"
grep -q "XNNPACK delegate" <<<"$probe" || echo "arm64_run: warning: XNNPACK is not used under emulation: $probe" >&2

run_x86() { "$HOST_PYTHON" "$HERE/edge_eval.py" "${FILES[@]}" "${reference_host[@]}" --save-outputs "$OUT/x86.npz" \
    | tee "$OUT/x86.txt"; }
run_arm64() {
    QEMU_CPU=$CPU chroot "$ROOT" "$VENV/bin/python" "$STAGE/edge_eval.py" "${inside[@]}" "${reference_inside[@]}" \
        --save-outputs "$STAGE/arm64.npz" | tee "$OUT/arm64.txt"
    cp "$ROOT$STAGE/arm64.npz" "$OUT/arm64.npz"
}
step "edge_eval.py on x86 ($(uname -m))" run_x86
step "edge_eval.py on arm64 (qemu, $CPU)" run_arm64
echo "arm64_run: outputs in $OUT"
"$HOST_PYTHON" "$HERE/compare_outputs.py" "$OUT/x86.npz" "$OUT/arm64.npz"
