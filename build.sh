#!/usr/bin/env bash
# Cake bootstrapper: installs what a fresh Debian machine lacks, restores the local Cake tool, runs a target.
#   ./build.sh --target=Test      build and run every test (the CI command)
#   ./build.sh --target=Bench     short benchmark job (BenchmarkDotNet --quick)
#   ./build.sh --target=Build     build everything in Release
#   ./build.sh --target=Fuzz --minutes=30   AFL++ campaign, 30 minutes per fuzz target (docs/fuzzing.md)
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the targets need: libvulkan1 + mesa-vulkan-drivers (the
# Vulkan loader and lavapipe, a CPU Vulkan device, so the Vulkan tests run anywhere) + glslang-tools (GLSL → SPIR-V
# at build time), openmpi-bin + libopenmpi-dev (mpirun and libmpi.so.40 for multi-process data parallelism; the MPI
# tests launch `mpirun -np 2`). The backbone (TorchSharp + libtorch) comes from NuGet (native/libtorchsharp/README.md).
APT_PACKAGES=(ca-certificates
    libvulkan1 mesa-vulkan-drivers glslang-tools openmpi-bin libopenmpi-dev)
# The AFL++ campaign (--target=Fuzz, docs/fuzzing.md) also needs afl++; it pulls in clang, so only that target asks.
for arg in "$@"; do
    [[ $arg == --target=Fuzz ]] && APT_PACKAGES+=(afl++)
done

# Another apt (unattended upgrades on a fresh VM, cloud-init) may hold the dpkg or lists lock: wait for it, up to
# APT_LOCK_TIMEOUT seconds, instead of failing at once with exit 100. DPkg::Lock::Timeout makes apt-get wait for the
# dpkg lock itself (apt >= 1.9.11); the loop also covers `apt-get update`, whose lists lock some apt versions do not
# wait for.
APT_LOCK_TIMEOUT=${APT_LOCK_TIMEOUT:-300}
apt_get() {
    local deadline=$((SECONDS + APT_LOCK_TIMEOUT)) status errors
    while true; do
        status=0
        { errors=$("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
            -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" "$@" 2>&1 1>&3 3>&-) || status=$?; } 3>&1
        if ((status == 0)) || [[ $errors != *"Could not get lock"* ]] || ((SECONDS >= deadline)); then
            [[ -z $errors ]] || printf '%s\n' "$errors" >&2
            return "$status"
        fi
        echo "build.sh: another process holds the apt lock; waiting (up to ${APT_LOCK_TIMEOUT}s in all)" >&2
        sleep 2
    done
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        SUDO=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        echo "build.sh: missing Debian packages: ${missing[*]}" >&2
        echo "build.sh: not root and no password-less sudo; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 2
    fi
    echo "build.sh: installing ${missing[*]}"
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v dotnet >/dev/null; then
    echo "build.sh: the .NET SDK (10.0 or newer) is not on PATH; install it from packages.microsoft.com" >&2
    exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet tool restore >/dev/null
exec dotnet cake build.cake "$@"
