#!/usr/bin/env bash
# Prepares bench/gpu-run.sh for a GPU machine that has PyTorch (CUDA) but no .NET: a framework-dependent publish of
# MedVox.Benchmarks against TorchSharp alone (-p:MedVoxTorchBackend=external: the machine's PyTorch supplies libtorch
# with CUDA) packed as pub/bench.tar.xz, and the .NET runtime packed as pub/dotnet-rt.tar.xz. Both are ignored by
# git; carry pub/. Packed, because a device call takes 64 MiB with the working tree (2026-11-27: the publish is 46 MB,
# 11 MB packed; the runtime 26 MB; the tracked tree 15 MB).
# Usage: bench/gpu-publish.sh   (then, on the GPU machine, from the repository root: bench/gpu-run.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rm -rf "$root/pub" && mkdir -p "$root/pub"
stage="$(mktemp -d)"
dotnet publish "$root/bench/MedVox.Benchmarks" -c Release -r linux-x64 --self-contained false \
  -p:MedVoxTorchBackend=external -o "$stage/bench" -v q -nologo
tar cJf "$root/pub/bench.tar.xz" -C "$stage" bench && rm -rf "$stage"
sdk="$(dirname "$(readlink -f "$(command -v dotnet)")")"
version="$(ls "$sdk/shared/Microsoft.NETCore.App" | sort -V | tail -1)"
(cd "$sdk" && tar cJf "$root/pub/dotnet-rt.tar.xz" dotnet "host/fxr/$version" "shared/Microsoft.NETCore.App/$version")
du -sh "$root/pub/bench.tar.xz" "$root/pub/dotnet-rt.tar.xz"
