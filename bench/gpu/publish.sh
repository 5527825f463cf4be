#!/usr/bin/env bash
# Packs the Vulkan roofline for a machine without .NET: a self-contained linux-x64 publish of the bench (and of the
# CLI, for `pjudge --backend vulkan math batch` against `--backend cpu`) into one folder, with the math cases and the
# device script, as $PJ_GPU_DIR/bench.tar.xz (default: <repo root>/.gpu, which must be git-ignored).
#   bench/gpu/publish.sh            then, on the device, from the folder holding .gpu: bash .gpu/run-on-device.sh
# The SPIR-V shaders are embedded in PerceptionJudge.Kernels.dll (manifest resources PerceptionJudge.Shaders.*.spv),
# so the publish needs no shader files beside it; this script checks that they are there. Nothing loads libtorch:
# TorchSharp's natives are never copied into an output (native/libtorchsharp/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
dest=${PJ_GPU_DIR:-$root/.gpu}
limit_mib=45
mkdir -p "$dest"
if ! git -C "$(dirname "$dest")" check-ignore -q "$dest" 2>/dev/null; then
    echo "warning: $dest is not git-ignored (add /.gpu/ to .git/info/exclude)" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/pj
cd "$root"
for project in bench/PerceptionJudge.Bench src/PerceptionJudge.Cli; do
    dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true -o "$out" \
        -v quiet -nologo
done

# Windows-only TraceEvent natives (amd64/), satellite resources (cs/, de/, zh-Hans/...), docs and symbols: not
# needed to run. A RID-specific publish has no other folders.
find "$out" -mindepth 1 -maxdepth 1 -type d \( -name amd64 -o -name x86 -o -name arm64 -o -name '[a-z][a-z]' \
    -o -name '[a-z][a-z]-*' \) -exec rm -rf '{}' +
find "$out" \( -name '*.pdb' -o -name '*.xml' \) -delete
if find "$out" -mindepth 1 -type d | grep -q .; then
    echo "note: folders left in the publish: $(find "$out" -mindepth 1 -type d | tr '\n' ' ')" >&2
fi

for shader in triad adamw lora_merge log_prob log_prob_backward ppo_vanilla kl_penalty grpo_outcome; do
    grep -q "PerceptionJudge.Shaders.$shader.spv" "$out/PerceptionJudge.Kernels.dll" \
        || { echo "error: shader $shader is not embedded in PerceptionJudge.Kernels.dll" >&2; exit 1; }
done
test -x "$out/PerceptionJudge.Bench" && test -x "$out/pjudge"

python3 "$here/make-math-cases.py" "$out/math-cases.jsonl" >/dev/null
cp "$here/compare-math.awk" "$out/"
cp "$here/run-on-device.sh" "$dest/run-on-device.sh"

tar -C "$tmp" -cf - pj | xz -9 -T0 > "$dest/bench.tar.xz.part"
mv "$dest/bench.tar.xz.part" "$dest/bench.tar.xz"
bytes=$(stat -c %s "$dest/bench.tar.xz")
echo "$dest/bench.tar.xz: $((bytes / 1024 / 1024)) MiB ($bytes bytes), $(du -sh "$out" | cut -f1) unpacked," \
    "$(find "$out" -type f | wc -l) files"
if ((bytes > limit_mib * 1024 * 1024)); then
    echo "error: the archive is over $limit_mib MiB" >&2
    exit 1
fi
