#!/usr/bin/env bash
# Sliding-window prediction speed on the CPU, MedVox against the same algorithm written with PyTorch (Debian's
# python3-torch, nnU-Net's predict_sliding_window_return_logits: whole-volume float16 logits and weight sums) on the same
# network and weights (tests/MedVox.Learning.Tests/Oracles/unet_oracle.py), for 256^3 and 512^3 CT-like volumes.
# Both sides run with THREADS threads (default: all cores), from the volume in memory to the label array; the two sides
# alternate for ROUNDS rounds (default 2) and each keeps its best, and the label maps are compared (agreement).
# OVERLAP (default 0.5) applies to 256^3, OVERLAP_512 (default 0.5) to 512^3; SIZES (default "256 512") picks the sizes.
# Usage: bench/predict-vs-pytorch.sh [WORK_DIR]   (needs /usr/bin/python3 with torch, nibabel and numpy, and dotnet)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
threads="${THREADS:-$(nproc)}"
export OMP_NUM_THREADS="$threads" THREADS="$threads"
echo "building MedVox.Benchmarks (Release) ..." >&2
dotnet build -c Release "$root/bench/MedVox.Benchmarks" -v q -nologo >/dev/null
bench() { dotnet run -c Release --no-build --project "$root/bench/MedVox.Benchmarks" -- compare predict "$@"; }

[[ -f "$work/model/plan.json" ]] || bench setup "$work/model" 64 4,8 >&2
for n in ${SIZES:-256 512}; do
  [[ -f "$work/ct$n.nii" ]] || bench volume "$work/ct$n.nii" "$n" int16 >&2
done

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $threads threads per side"
printf '%-6s %-8s %10s %10s %14s %10s %10s %14s %9s %10s\n' size overlap "MedVox s" "cpu s" "MedVox vox/s" "PyTorch s" "cpu s" "PyTorch vox/s" speed-up agreement
for n in ${SIZES:-256 512}; do
  overlap="${OVERLAP:-0.5}"
  [[ $n == 512 ]] && overlap="${OVERLAP_512:-0.5}"
  results=""
  for ((round = 0; round < ${ROUNDS:-2}; round++)); do
    results+=$(bench run "$work/model" "$work/ct$n.nii" "$work/medvox$n.nii" "$overlap" 2>/dev/null)$'\n'
    results+=$(/usr/bin/python3 "$root/bench/predict_pytorch.py" "$work/model" "$work/ct$n.nii" "$work/pytorch$n.npy" "$overlap" "$work/medvox$n.nii")$'\n'
  done
  best() { printf '%s\n' "$results" | awk -v k="$1" '$1 == k && (b == "" || $2 < b) { b = $2 } END { print b }'; }
  ms=$(best medvox_seconds); mc=$(best medvox_cpu_seconds); ps=$(best pytorch_seconds); pc=$(best pytorch_cpu_seconds)
  agreement=$(printf '%s\n' "$results" | awk '$1 == "agreement" { a = $2 } END { print a }')
  voxels=$((n * n * n))
  printf '%-6s %-8s %10s %10s %14.0f %10s %10s %14.0f %8.2fx %10s\n' "${n}^3" "$overlap" "$ms" "$mc" "$(awk -v v=$voxels -v s="$ms" 'BEGIN { print v / s }')" \
    "$ps" "$pc" "$(awk -v v=$voxels -v s="$ps" 'BEGIN { print v / s }')" "$(awk -v a="$ps" -v b="$ms" 'BEGIN { print a / b }')" "$agreement"
done
echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); MedVox on LibTorch (TorchSharp)"
