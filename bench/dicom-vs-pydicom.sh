#!/usr/bin/env bash
# Loads a 300-slice 512x512 uncompressed CT series into a volume with MedVox and with pydicom + numpy (Debian's
# python3-pydicom): read all files, sort by ImagePositionPatient along the slice normal, stack, apply rescale.
# Generates the series with MedVox's DICOM writer if absent. Prints best-of-3 seconds for each and the ratio.
# Usage: bench/dicom-vs-pydicom.sh [FOLDER] [PARALLELISM]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/medvox-bench-ct300}
par=${2:-$(nproc)}
bench=(dotnet run -c Release --project "$root/bench/MedVox.Benchmarks" --)
if [ ! -f "$dir.complete" ]; then
  rm -rf "$dir"
  "${bench[@]}" compare dicom generate "$dir" 300 512
  touch "$dir.complete"
fi

medvox=$("${bench[@]}" compare dicom "$dir" "$par" | awk '/^medvox_load/ {print $2}')

pydicom=$(/usr/bin/python3 - "$dir" <<'PY'
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
)

printf '%-22s %10s\n' "tool" "seconds"
printf '%-22s %10s\n' "medvox ($par threads)" "$medvox"
printf '%-22s %10s\n' "pydicom+numpy" "$pydicom"
awk -v m="$medvox" -v p="$pydicom" 'BEGIN { printf "%-22s %9.1fx\n", "speed-up", p / m }'
