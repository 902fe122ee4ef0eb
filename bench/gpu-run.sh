#!/usr/bin/env bash
# MedVox on a GPU side by side with PyTorch in one run (issues 5 and 6), on a machine with PyTorch (CUDA) and no .NET,
# after bench/gpu-publish.sh has put pub/bench.tar.xz and pub/dotnet-rt.tar.xz into the repository:
# - training: one iteration of an nnU-Net-sized 3D U-Net (6 stages, 32-320 filters, instance norm, 14 classes, SGD,
#   cross-entropy) at batch 2 x 128^3 and 2 x 160^3, float32 and bf16 (MedVox: bf16 weights and activations with
#   float32 master weights; PyTorch: autocast), and MedVox with activation checkpointing and/or the compact
#   norm-LeakyReLU node (--compact-norm); time per step and the
#   device memory each adds (MedVox: NVML, as TorchSharp has no allocator statistics; PyTorch: its allocator's
#   peaks) beside the planner's estimate;
# - prediction: a 512^3 int16 CT-like volume, patch 128^3, overlap 0.5, Gaussian, bf16, 4 windows per batch, same
#   network, 14 classes: MedVox from the image in host memory to the label map in host memory, unconstrained and
#   under --memory 4GB (and with --layout channels-last); PyTorch with MONAI's algorithm (output kept on the GPU, bench/predict_pytorch_cuda.py);
# - optimizer: the optimiser's share of a training step alone, same network: clipping and SGD per parameter tensor
#   (the trainer before 2026-11-27) vs over one flat buffer (FlatOptimizer), float32 and bf16 (seconds, no PyTorch).
# - goals: only the rows that decide the open goals of issues 5 and 6, in one call of about 8 minutes (see below).
# Usage: [OUT=DIR] [SECTIONS="goals" | "predict train optimizer"] [PATCHES="128 160"] [MODES="float32 bf16"] [PYTORCH_BENCHMARK="0 1"] bench/gpu-run.sh      Everything it prints also goes to $OUT/gpu.log.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-/tmp/medvox-gpu}"; mkdir -p "$out"
work="$(mktemp -d)"
exec > >(tee "$out/gpu.log") 2>&1
python=python3
features=32,64,128,256,320,320

mkdir -p /tmp/dn && tar xJf "$root/pub/dotnet-rt.tar.xz" -C /tmp/dn && tar xJf "$root/pub/bench.tar.xz" -C /tmp
torchlib="$($python -c 'import torch, os; print(os.path.dirname(torch.__file__) + "/lib")')"
export DOTNET_ROOT=/tmp/dn LD_LIBRARY_PATH="$torchlib:${LD_LIBRARY_PATH:-}" DOTNET_CLI_TELEMETRY_OPTOUT=1
medvox() { timeout "${LIMIT:-150}" /tmp/dn/dotnet /tmp/bench/MedVox.Benchmarks.dll compare "$@"; }

date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; nproc
$python -c 'import torch; print("pytorch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'

for section in ${SECTIONS:-optimizer predict train}; do
  case "$section" in
  goals)
    # Only the rows that decide the open goals, most decisive first, timed, in one call of about 8 minutes: issue 6
    # (512^3 in at most 1.7 s within 6 GiB; --memory 4GB at most 2x the unconstrained time), issue 5 (2 x 160^3 bf16
    # with checkpointing in at most 6 GiB; a step not slower than PyTorch's).
    row() { echo "-- $(date -u +%T) $*"; }
    medvox predict setup "$work/model" 128 "$features" 14
    medvox predict volume "$work/ct512.nii" 512 int16
    for layout in channels-last standard; do
      row "MedVox predict bf16, batch 4, --memory 24GB, --layout $layout"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-24.nii" 0.5 --device cuda --compute bf16 --batch 4 --memory 25769803776 --repeat 3 --layout $layout
      row "MedVox predict bf16, --memory 6GB, --layout $layout"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-6.nii" 0.5 --device cuda --compute bf16 --memory 6442450944 --repeat 3 --layout $layout
      # The planner's CUDA network estimate predates the inference path that frees maps early (its factor 1.5 came from
      # the old peaks) and may pick batch 2 under 6 GB: this row measures batch 4 with the logits on the device there.
      row "MedVox predict bf16, batch 4, logits on the device, --memory 6GB, --layout $layout"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-6b4.nii" 0.5 --device cuda --compute bf16 --batch 4 --placement device --memory 6442450944 --repeat 2 --layout $layout
      row "MedVox predict bf16, --memory 4GB, --layout $layout"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-4.nii" 0.5 --device cuda --compute bf16 --memory 4294967296 --repeat 2 --layout $layout
    done
    row "PyTorch predict (MONAI's algorithm, output on the GPU), bf16 autocast, batch 4, cudnn.benchmark=1"
    CUDNN_BENCHMARK=1 timeout 150 $python "$root/bench/predict_pytorch_cuda.py" "$work/ct512.nii" "$features" 14 128 0.5 4 3
    for extra in "--checkpointing" "--checkpointing --compact-norm"; do
      row "MedVox train 160^3 bf16 $extra"; medvox unet-train --device cuda --patch 160 --batch 2 --features "$features" --classes 14 --steps 5 --warmup 3 --bf16 $extra
    done
    for mode in bf16 float32; do
      flag=""; [ "$mode" = bf16 ] && flag="--bf16"
      row "MedVox train 128^3 $mode"; medvox unet-train --device cuda --patch 128 --batch 2 --features "$features" --classes 14 --steps 5 --warmup 3 $flag
      row "PyTorch train 128^3 $mode cudnn.benchmark=1"; CUDNN_BENCHMARK=1 timeout 150 $python "$root/bench/unet_train_pytorch_cuda.py" 128 2 "$features" 14 5 3 $mode
    done
    row "done"
    ;;
  predict)
    echo "== prediction 512^3, patch 128^3, overlap 0.5, 14 classes =="
    medvox predict setup "$work/model" 128 "$features" 14
    medvox predict volume "$work/ct512.nii" 512 int16
    echo "-- MedVox bf16, --memory 6GB"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-6.nii" 0.5 --device cuda --compute bf16 --memory 6442450944 --repeat 3
    echo "-- MedVox bf16, --memory 4GB"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-4.nii" 0.5 --device cuda --compute bf16 --memory 4294967296 --repeat 3
    echo "-- MedVox bf16, batch 4, --memory 24GB"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-24.nii" 0.5 --device cuda --compute bf16 --batch 4 --memory 25769803776 --repeat 3
    echo "-- MedVox bf16, batch 4, --memory 24GB, --layout channels-last"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-24cl.nii" 0.5 --device cuda --compute bf16 --batch 4 --memory 25769803776 --repeat 3 --layout channels-last
    echo "-- MedVox bf16, --memory 6GB, --layout channels-last"; medvox predict run "$work/model" "$work/ct512.nii" "$work/labels-6cl.nii" 0.5 --device cuda --compute bf16 --memory 6442450944 --repeat 3 --layout channels-last
    for benchmark in ${PYTORCH_BENCHMARK:-0 1}; do
      echo "-- PyTorch (MONAI's algorithm, output on the GPU), bf16 autocast, batch 4, cudnn.benchmark=$benchmark"
      CUDNN_BENCHMARK=$benchmark timeout 150 $python "$root/bench/predict_pytorch_cuda.py" "$work/ct512.nii" "$features" 14 128 0.5 4 3
    done
    ;;
  optimizer)
    echo "== optimiser step alone (clipping + SGD), per parameter tensor vs flat =="
    echo "-- float32"; medvox optimizer-step --device cuda --features "$features" --classes 14 --steps 20
    echo "-- bf16"; medvox optimizer-step --device cuda --features "$features" --classes 14 --steps 20 --bf16
    ;;
  train)
    echo "== training iteration, batch 2, 14 classes =="
    for patch in ${PATCHES:-128 160}; do
      for mode in ${MODES:-float32 bf16}; do
        flag=""; [ "$mode" = bf16 ] && flag="--bf16"
        echo "-- MedVox ${patch}^3 $mode"; medvox unet-train --device cuda --patch $patch --batch 2 --features "$features" --classes 14 --steps 5 --warmup 3 $flag
        for benchmark in ${PYTORCH_BENCHMARK:-0 1}; do
          echo "-- PyTorch ${patch}^3 $mode cudnn.benchmark=$benchmark"; CUDNN_BENCHMARK=$benchmark timeout 150 $python "$root/bench/unet_train_pytorch_cuda.py" $patch 2 "$features" 14 5 3 $mode
        done
      done
      echo "-- MedVox ${patch}^3 bf16 + checkpointing"; medvox unet-train --device cuda --patch $patch --batch 2 --features "$features" --classes 14 --steps 5 --warmup 3 --bf16 --checkpointing
      echo "-- MedVox ${patch}^3 bf16 + checkpointing + compact norm"; medvox unet-train --device cuda --patch $patch --batch 2 --features "$features" --classes 14 --steps 5 --warmup 3 --bf16 --checkpointing --compact-norm
      echo "-- MedVox ${patch}^3 bf16 + compact norm"; medvox unet-train --device cuda --patch $patch --batch 2 --features "$features" --classes 14 --steps 5 --warmup 3 --bf16 --compact-norm
      # MedVox starts LibTorch with expandable segments unless told otherwise: this row is the allocator's old default.
      echo "-- MedVox ${patch}^3 bf16 + checkpointing, PYTORCH_CUDA_ALLOC_CONF=expandable_segments:False"
      PYTORCH_CUDA_ALLOC_CONF=expandable_segments:False medvox unet-train --device cuda --patch $patch --batch 2 --features "$features" --classes 14 --steps 5 --warmup 3 --bf16 --checkpointing
    done
    ;;
  esac
done
rm -rf "$work"

# One line per row: the best time of its runs and the peaks it printed, for reading the goals off at once (after a
# moment, so that tee has written the last rows to the log).
sleep 1
echo "== summary (best seconds; GiB) =="
awk '
  function flush() { if (row != "") printf "%-96s best %s%s%s\n", row, best, placement, peaks; best = ""; placement = ""; peaks = "" }
  /^-- / { flush(); row = substr($0, 4); next }
  /^(medvox|pytorch)_(seconds|step) / { if (best == "" || $2 + 0 < best + 0) best = $2; next }
  /^medvox_placement / { placement = " |" substr($0, 17); next }
  /^(medvox_gpu_peak_gib|medvox_estimate_step_gib|pytorch_max_reserved_gib|pytorch_max_allocated_gib) / { peaks = peaks " | " $0; next }
  END { flush() }' "$out/gpu.log" | sed 's/medvox_//g; s/pytorch_//g'

