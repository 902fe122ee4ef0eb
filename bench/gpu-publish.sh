#!/usr/bin/env bash
# Prepares bench/gpu-run.sh for a GPU machine that has PyTorch (CUDA) but no .NET: a framework-dependent publish of
# MedVox.Benchmarks against TorchSharp alone (-p:MedVoxTorchBackend=external: the machine's PyTorch supplies libtorch
# with CUDA) in pub/bench, and the .NET runtime packed as pub/dotnet-rt.tar.xz. Both are ignored by git; carry pub/.
# Usage: bench/gpu-publish.sh   (then, on the GPU machine, from the repository root: bench/gpu-run.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dotnet publish "$root/bench/MedVox.Benchmarks" -c Release -r linux-x64 --self-contained false \
  -p:MedVoxTorchBackend=external -o "$root/pub/bench" -v q -nologo
sdk="$(dirname "$(readlink -f "$(command -v dotnet)")")"
version="$(ls "$sdk/shared/Microsoft.NETCore.App" | sort -V | tail -1)"
(cd "$sdk" && tar cJf "$root/pub/dotnet-rt.tar.xz" dotnet "host/fxr/$version" "shared/Microsoft.NETCore.App/$version")
du -sh "$root/pub/bench" "$root/pub/dotnet-rt.tar.xz"
