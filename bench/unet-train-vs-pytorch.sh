#!/usr/bin/env bash
# One training iteration of a 3D U-Net on the CPU, MedVox (TorchSharp/LibTorch, through its Trainer) against the same
# network and steps written in PyTorch (Debian's python3-torch): forward, cross-entropy, backward, gradient clipping,
# SGD with Nesterov momentum. Same patch, batch, features and thread count on both sides.
# Usage: [PATCH=32] [BATCH=2] [FEATURES=16,32,64,128] [CLASSES=3] [THREADS=$(nproc)] [STEPS=5] [WARMUP=2] [ROUNDS=2] \
#        bench/unet-train-vs-pytorch.sh
# Each side reports its best iteration per round; rounds alternate so that load from other processes on a shared
# machine does not favour one side; the table shows the best over rounds (and the median of the last round). Both
# sides run with OMP_WAIT_POLICY=PASSIVE (MedVox sets it for itself), so neither spins on a loaded machine. Note that
# Debian's python3-torch is built with the generic reference BLAS; an official PyTorch wheel (MKL) is faster on CPU.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python=/usr/bin/python3
patch=${PATCH:-32}; batch=${BATCH:-2}; features=${FEATURES:-16,32,64,128}; classes=${CLASSES:-3}
threads=${THREADS:-$(nproc)}; steps=${STEPS:-5}; warmup=${WARMUP:-2}

"$python" -c "import torch" 2>/dev/null || { echo "needs /usr/bin/python3 with torch (apt-get install python3-torch)" >&2; exit 1; }
echo "building MedVox.Benchmarks (Release) ..." >&2
dotnet build -c Release "$root/bench/MedVox.Benchmarks" -v q -nologo >/dev/null

results=""
for ((round = 0; round < ${ROUNDS:-2}; round++)); do
  results+=$(dotnet run -c Release --no-build --project "$root/bench/MedVox.Benchmarks" -- compare unet-train \
    --patch "$patch" --batch "$batch" --features "$features" --classes "$classes" --threads "$threads" --steps "$steps" --warmup "$warmup")$'\n'
  results+=$(OMP_WAIT_POLICY=PASSIVE "$python" "$root/bench/unet_train_pytorch.py" "$patch" "$batch" "$features" "$classes" "$threads" "$steps" "$warmup")$'\n'
done

best() { printf '%s\n' "$results" | awk -v k="$1" '$1 == k && (b == "" || $2 < b) { b = $2 } END { print b }'; }
last() { printf '%s\n' "$results" | awk -v k="$1" '$1 == k { v = $2 } END { print v }'; }
ms=$(best medvox_step); ps=$(best pytorch_step)
echo "3D U-Net training iteration: patch ${patch}^3, batch $batch, features $features, $classes classes, float32, $threads thread(s) ($(nproc) cores)"
echo "MedVox: LibTorch $(last medvox_libtorch) via TorchSharp; PyTorch $(last pytorch_version)"
printf '%-8s %14s %14s\n' "" "best (s)" "median (s)"
printf '%-8s %14s %14s\n' MedVox "$ms" "$(last medvox_median)"
printf '%-8s %14s %14s\n' PyTorch "$ps" "$(last pytorch_median)"
echo "PyTorch/MedVox time ratio: $(awk -v a="$ps" -v b="$ms" 'BEGIN { printf "%.2f", a / b }') (above 1: MedVox faster)"
echo "final losses (same init seed differs between engines; sanity only): MedVox $(last medvox_loss), PyTorch $(last pytorch_loss)"
