#!/usr/bin/env bash
# Loads a 300-slice 512x512 uncompressed CT series into a volume with MedVox and with pydicom + numpy (Debian's
# python3-pydicom): read all files, sort by ImagePositionPatient along the slice normal, stack, apply rescale.
# Generates the series with MedVox's DICOM writer if absent. Each side reports its best of 3 runs; the two sides are
# run alternately for two rounds (the better round counts) so that a burst of load on a shared machine hits both.
# Usage: bench/dicom-vs-pydicom.sh [FOLDER] [PARALLELISM]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/medvox-bench-ct300}
par=${2:-$(nproc)}
# Build once, without lingering build servers competing for the cores during the timings.
dotnet build -c Release --disable-build-servers -v quiet -nologo "$root/bench/MedVox.Benchmarks" >/dev/null
dll="$root/bench/MedVox.Benchmarks/bin/Release/net10.0/MedVox.Benchmarks.dll"
if [ ! -f "$dir.complete" ]; then
  rm -rf "$dir"
  dotnet "$dll" compare dicom generate "$dir" 300 512
  touch "$dir.complete"
fi

pydicom_load() {
  /usr/bin/python3 - "$dir" <<'PY'
import os, sys, time
import numpy as np
import pydicom

folder = sys.argv[1]
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    datasets = [pydicom.dcmread(os.path.join(folder, f)) for f in os.listdir(folder) if not f.startswith(".")]
    normal = np.cross(np.array(datasets[0].ImageOrientationPatient[:3], float), np.array(datasets[0].ImageOrientationPatient[3:], float))
    datasets.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, float))))
    volume = np.stack([d.pixel_array for d in datasets]).astype(np.float32)
    for k, d in enumerate(datasets):
        volume[k] = volume[k] * float(d.RescaleSlope) + float(d.RescaleIntercept)
    best = min(best, time.perf_counter() - start)
print(f"{best:.4f}")
PY
}

medvox=inf
pydicom=inf
for round in 1 2; do
  m=$(dotnet "$dll" compare dicom "$dir" "$par" | awk '/^medvox_load/ {print $2}')
  p=$(pydicom_load)
  medvox=$(awk -v a="$medvox" -v b="$m" 'BEGIN { print (a == "inf" || b < a) ? b : a }')
  pydicom=$(awk -v a="$pydicom" -v b="$p" 'BEGIN { print (a == "inf" || b < a) ? b : a }')
done

printf '%-22s %10s\n' "tool" "seconds"
printf '%-22s %10s\n' "medvox ($par threads)" "$medvox"
printf '%-22s %10s\n' "pydicom+numpy" "$pydicom"
awk -v m="$medvox" -v p="$pydicom" 'BEGIN { printf "%-22s %9.1fx\n", "speed-up", p / m }'
