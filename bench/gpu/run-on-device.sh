#!/usr/bin/env bash
# The Vulkan roofline on a GPU machine without .NET, from the folder holding .gpu (bench/gpu/publish.sh wrote it,
# this script included) and .gl (the Vulkan loader and GL vendor-neutral dispatch .debs, `apt-get download libvulkan1
# libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2`; and in .gl/xz `xz-utils liblzma5`, used only where the
# machine has no xz):  OUT=/some/dir bash .gpu/run-on-device.sh
# Writes $OUT/roofline.md (timings, one process per kernel, then the math comparison), $OUT/roofline-one-process.md
# (every kernel in one process, with the whole-call checks) and $OUT/log.txt, in under 6 minutes:
# every step has a timeout inside one overall deadline. Environment:
#   PJ_ROOFLINE_SCALE   gpu (default) or small (lavapipe-sized, for a local test)
#   PJ_GL_ROOT          where the .debs are unpacked (default /, then ldconfig); a local test uses a scratch folder
#   PJ_DEADLINE_S       the overall budget in seconds (default 330)
#   VK_DRIVER_FILES     an ICD manifest to use instead of the NVIDIA one found here
set -uo pipefail
OUT=${OUT:-/tmp/gpuout}
mkdir -p "$OUT"
here=$(pwd)
deadline=$((SECONDS + ${PJ_DEADLINE_S:-330}))
scale=${PJ_ROOFLINE_SCALE:-gpu}

# The seconds step $1 may take: at most $1, and never past the deadline (at least 5).
budget() {
    local left=$((deadline - SECONDS))
    ((left < 5)) && left=5
    echo $(($1 < left ? $1 : left))
}

step() { echo; echo "== $* (t = ${SECONDS}s)"; }

loader() {
    step "Vulkan loader"
    local root=${PJ_GL_ROOT:-/}
    if compgen -G "$here/.gl/*.deb" >/dev/null; then
        mkdir -p "$root"
        local f lib
        for f in "$here"/.gl/*.deb; do
            case $(basename "$f") in
                libvulkan1_*) lib=libvulkan.so.1 ;;
                libglvnd0_*) lib=libGLdispatch.so.0 ;;
                libglx0_*) lib=libGLX.so.0 ;;
                libegl1_*) lib=libEGL.so.1 ;;
                libgl1_*) lib=libGL.so.1 ;;
                libopengl0_*) lib=libOpenGL.so.0 ;;
                libgles2_*) lib=libGLESv2.so.2 ;;
                *) lib= ;;
            esac
            if [[ $root == / && -n $lib ]] && ldconfig -p 2>/dev/null | grep -q "^[[:space:]]*$lib "; then
                echo "kept the system's $lib (not unpacking $(basename "$f"))"
            else
                dpkg -x "$f" "$root" && echo "unpacked $(basename "$f") into $root"
            fi
        done
        if [[ $root == / ]]; then
            ldconfig
        else
            export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        fi
    else
        echo "no .gl/*.deb here: using the system's loader"
    fi
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
        [[ -d $d ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
    done
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    ldconfig -p 2>/dev/null | grep -E 'libvulkan|GLX_nvidia|nvidia-gpucomp|nvidia-glvkspirv|nvidia-glcore|GLdispatch' \
        || echo "(ldconfig lists no Vulkan or NVIDIA GL library)"

    step "Vulkan drivers (ICD manifests)"
    local icds=()
    for dir in /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d; do
        [[ -d $dir ]] || continue
        ls -la "$dir"
        for j in "$dir"/*.json; do [[ -f $j ]] && icds+=("$j"); done
    done
    if [[ -z ${VK_DRIVER_FILES:-} ]]; then
        for j in "${icds[@]}"; do
            [[ $(basename "$j") == nvidia* ]] && { export VK_DRIVER_FILES=$j; break; }
        done
    fi
    if [[ -z ${VK_DRIVER_FILES:-} ]]; then
        local glx
        glx=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/ {print $NF; exit}')
        [[ -z $glx ]] && glx=$(find /usr/local/nvidia /usr/lib/x86_64-linux-gnu -maxdepth 2 -name 'libGLX_nvidia.so.0' \
            2>/dev/null | head -1)
        if [[ -n $glx ]]; then
            printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3"}}\n' "$glx" \
                > /tmp/pj_nvidia_icd.json
            export VK_DRIVER_FILES=/tmp/pj_nvidia_icd.json
            echo "no NVIDIA manifest: wrote /tmp/pj_nvidia_icd.json for $glx"
        else
            echo "no NVIDIA Vulkan manifest and no libGLX_nvidia.so.0: the loader finds what it finds"
        fi
    fi
    if [[ -n ${VK_DRIVER_FILES:-} ]]; then
        export VK_ICD_FILENAMES=$VK_DRIVER_FILES # loaders before 1.3.207 read this name
        echo "VK_DRIVER_FILES=$VK_DRIVER_FILES"; cat "$VK_DRIVER_FILES"
    fi
    ICDS=("${icds[@]}")
}

gpu_info() {
    step "GPU"
    if command -v nvidia-smi >/dev/null; then
        local q=name,memory.total,clocks.max.memory,clocks.max.sm,pcie.link.gen.max,pcie.link.width.max,driver_version
        timeout "$(budget 15)" nvidia-smi --query-gpu=$q --format=csv
        timeout "$(budget 15)" nvidia-smi -q -d MEMORY | grep -A4 -i 'bar1' || true
    else
        echo "no nvidia-smi"
    fi
    grep -m1 'model name' /proc/cpuinfo; echo "logical cores: $(nproc)"; grep MemTotal /proc/meminfo
}

# Unpacks $1/.gpu/bench.tar.xz into /tmp/pj with whatever reads xz here: xz, else python3's lzma, else the xz-utils
# and liblzma5 .debs of $1/.gl/xz unpacked into a private folder (not over the system's liblzma).
unpack() {
    local archive=$1/.gpu/bench.tar.xz
    if command -v xz >/dev/null && [[ -z ${PJ_FORCE_XZ_DEB:-} ]]; then
        tar -C /tmp -xJf "$archive"
    elif command -v python3 >/dev/null && [[ -z ${PJ_FORCE_XZ_DEB:-} ]]; then
        echo "no xz: python3's tarfile"
        python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall("/tmp")' "$archive"
    else
        echo "no xz, no python3: xz from $1/.gl/xz"
        local root=/tmp/pj-xz f
        for f in "$1"/.gl/xz/*.deb; do dpkg -x "$f" "$root"; done
        LD_LIBRARY_PATH=$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu "$root/usr/bin/xz" -dc "$archive" \
            | tar -C /tmp -xf -
    fi
}

probe() { timeout "$(budget 30)" "$PJ/pjudge" --backend vulkan info; }

main() {
    echo "run-on-device.sh, $(date -u '+%Y-%m-%d %H:%M:%S') UTC, $(uname -srm)," \
        "$(. /etc/os-release && echo "$PRETTY_NAME")"
    export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
    loader
    gpu_info

    step "unpack"
    rm -rf /tmp/pj
    timeout "$(budget 60)" bash -c "$(declare -f unpack); unpack '$here'" || { echo "unpack failed"; return 1; }
    PJ=/tmp/pj
    du -sh "$PJ"

    step "Vulkan device"
    if ! probe; then
        echo "-- no device: the loader's view (VK_LOADER_DEBUG=error,warn,info,driver)"
        VK_LOADER_DEBUG=error,warn,info,driver timeout "$(budget 30)" "$PJ/pjudge" --backend vulkan info 2>&1 | head -80
        local found=0
        for j in "${ICDS[@]}"; do
            [[ $j == "${VK_DRIVER_FILES:-}" ]] && continue
            echo "-- trying $j"
            export VK_DRIVER_FILES=$j VK_ICD_FILENAMES=$j
            if probe; then found=1; break; fi
        done
        ((found)) || { echo "no Vulkan device opened: nothing to measure"; return 2; }
    fi

    # Timings: each kernel in a process of its own (after the in-run triad), without checks. On an H200 the same
    # kernels ran 2-3x slower inside one process that times every kernel and then checks them all (cause not yet
    # found; the clock ramp and a read-back before the timings were ruled out), so the clean figures come from here.
    step "roofline timings, one process per kernel (scale $scale)"
    local key
    for key in $("$PJ/PerceptionJudge.Bench" --vulkan-roofline --keys); do
        timeout "$(budget 40)" "$PJ/PerceptionJudge.Bench" --vulkan-roofline --scale "$scale" --only "$key" \
            --no-check --out "/tmp/pj-one.md" > /dev/null
        echo "roofline $key: exit code $?"
        if [[ ! -s $OUT/roofline.md ]]; then
            grep -v -E '^\| [a-z]|^\| (kernel|STREAM)|^\|---' /tmp/pj-one.md | head -3 > "$OUT/roofline.md"
            grep -E '^\| (kernel|STREAM)|^\|---' /tmp/pj-one.md >> "$OUT/roofline.md"
        fi
        grep -E '^\| ' /tmp/pj-one.md | grep -v -E '^\| (kernel|STREAM)|^\|---' >> "$OUT/roofline.md"
    done
    cat "$OUT/roofline.md"

    step "roofline, every kernel in one process, with the whole-call checks (scale $scale)"
    timeout "$(budget 150)" "$PJ/PerceptionJudge.Bench" --vulkan-roofline --scale "$scale" \
        --out "$OUT/roofline-one-process.md"
    echo "roofline exit code $?"

    step "pjudge math batch: --backend vulkan against --backend cpu"
    local b rc
    for b in vulkan cpu; do
        timeout "$(budget 40)" "$PJ/pjudge" --backend "$b" math batch --input "$PJ/math-cases.jsonl" \
            --output "$OUT/math-$b.jsonl"
        rc=$?
        echo "math batch --backend $b: exit code $rc"
    done
    if [[ -s $OUT/math-vulkan.jsonl && -s $OUT/math-cpu.jsonl ]]; then
        {
            echo
            echo "### pjudge math batch, --backend vulkan against --backend cpu" \
                "($(wc -l < "$PJ/math-cases.jsonl") cases)"
            echo
            echo "| line | op | numbers | max \|vulkan − cpu\| / max \|cpu\| |"
            echo "|---:|---|---:|---|"
            awk -v cases="$PJ/math-cases.jsonl" -f "$PJ/compare-math.awk" "$OUT/math-vulkan.jsonl" "$OUT/math-cpu.jsonl"
        } | tee -a "$OUT/roofline.md"
    fi
    step "done"
}

main 2>&1 | tee "$OUT/log.txt"
exit "${PIPESTATUS[0]}"
