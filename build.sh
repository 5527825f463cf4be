#!/usr/bin/env bash
# Cake bootstrapper: installs what a fresh Debian machine lacks, restores the local Cake tool, runs a target.
#   ./build.sh --target=Test      build and run every test (the CI command)
#   ./build.sh --target=Bench     short benchmark job (BenchmarkDotNet --quick)
#   ./build.sh --target=Build     build everything in Release
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the targets need: libstb0 (images), cmake + g++ + libtorch-dev + libopenblas0-pthread (the native
# backbone shim; OpenBLAS with pthreads, the reference BLAS is ~25x slower), libvulkan1 + mesa-vulkan-drivers (the
# Vulkan loader and lavapipe, a CPU Vulkan device, so the Vulkan tests run anywhere) + glslang-tools (GLSL → SPIR-V
# at build time), openmpi-bin + libopenmpi-dev (mpirun and libmpi.so.40 for multi-process data parallelism; the MPI
# tests launch `mpirun -np 2`).
APT_PACKAGES=(ca-certificates libstb0 cmake g++ libtorch-dev libopenblas0-pthread
    libvulkan1 mesa-vulkan-drivers glslang-tools openmpi-bin libopenmpi-dev)

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
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v dotnet >/dev/null; then
    echo "build.sh: the .NET SDK (10.0 or newer) is not on PATH; install it from packages.microsoft.com" >&2
    exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet tool restore >/dev/null
exec dotnet cake build.cake "$@"
