#!/usr/bin/env bash
# Peak resident memory of `medvox predict` on large volumes (issue 6), measured with /usr/bin/time -v:
#  - a 512^3 int16 CT (.nii.gz, decoded into RAM) on the CPU with --memory 3GB (goal: peak RSS under 3 GB);
#  - a 1024^3 float32 volume (4 GB, uncompressed .nii, mapped in place) with the logits ring in a memory-mapped file,
#    --memory 4GB --placement mapped (goal: peak RSS under 4 GB).
# The network is small (features 4, 8; patch 64^3) so that CPU time stays reasonable; memory does not depend on its
# speed. OVERLAP (default 0.5) applies to 512^3, OVERLAP_1024 (default 0) to 1024^3 (4096 windows instead of 29791);
# FEATURES_1024 (default 4,8) gives 1024^3 a still smaller network (e.g. 2,4) when CPU time is short; ONLY (ct512 or
# f1024) runs one of the two.
# Usage: bench/predict-memory.sh [WORK_DIR]   (needs dotnet and /usr/bin/time; about 5 GB of disk)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
echo "building medvox and MedVox.Benchmarks (Release) ..." >&2
dotnet build -c Release "$root/src/MedVox.Cli" -v q -nologo >/dev/null
dotnet build -c Release "$root/bench/MedVox.Benchmarks" -v q -nologo >/dev/null
bench() { dotnet run -c Release --no-build --project "$root/bench/MedVox.Benchmarks" -- compare predict "$@"; }
medvox="$root/src/MedVox.Cli/bin/Release/net10.0/medvox.dll"

[[ -f "$work/model/plan.json" ]] || bench setup "$work/model" 64 4,8
model1024="$work/model"
if [[ "${FEATURES_1024:-4,8}" != "4,8" ]]; then
  model1024="$work/model-${FEATURES_1024//,/-}"
  [[ -f "$model1024/plan.json" ]] || bench setup "$model1024" 64 "$FEATURES_1024"
fi
[[ "${ONLY:-ct512}" != ct512 || -f "$work/ct512.nii.gz" ]] || bench volume "$work/ct512.nii.gz" 512 int16
[[ "${ONLY:-f1024}" != f1024 || -f "$work/f1024.nii" ]] || bench volume "$work/f1024.nii" 1024 float32

measure() { # name model input args...
  local name="$1" model="$2" input="$3"
  shift 3
  [[ -z "${ONLY:-}" || "$ONLY" == "$name" ]] || return 0
  rm -rf "$work/out-$name"
  /usr/bin/time -v dotnet "$medvox" predict --model "$model" --in "$input" --out "$work/out-$name" --device cpu "$@" \
    >"$work/log-$name.txt" 2>"$work/time-$name.txt"
  local kb seconds
  kb=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$work/time-$name.txt")
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time-$name.txt")
  printf '%-10s peak RSS %8.1f MiB  wall %s\n' "$name" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$seconds"
  grep -E "memory plan|logits:|network|output|time:" "$work/log-$name.txt" | sed 's/^/    /'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"
measure ct512 "$work/model" "$work/ct512.nii.gz" --memory 3GB --overlap "${OVERLAP:-0.5}"
measure f1024 "$model1024" "$work/f1024.nii" --memory 4GB --placement mapped --overlap "${OVERLAP_1024:-0}"
