#!/usr/bin/env bash
# NIfTI read/write speed, MedVox against nibabel, on the same 512x512x300 int16 CT-like .nii.gz.
# Usage: [ROUNDS=2] bench/nifti-vs-nibabel.sh [WORK_DIR]   (needs /usr/bin/python3 with nibabel and numpy, and dotnet)
# Each side reports its best of 3 per round, rounds alternating. Reading means decoding into memory with the stored
# dtype (nibabel: np.asanyarray(img.dataobj)); writing means nib.save / ImageFile.Write with gzip at the fastest
# level (nibabel 5 uses compresslevel 1).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
input="$work/ct.nii.gz"
python=/usr/bin/python3

if [[ ! -f "$input" ]]; then
  echo "generating $input ..." >&2
  "$python" - "$input" <<'PY'
import sys
import numpy as np, nibabel as nib
# A CT-like volume: air (-1000) around an elliptic body of soft tissue (~40 HU) with a skeleton-like bright ring,
# a few organs, smooth gradients and scanner noise, so that gzip sees realistic redundancy.
nx, ny, nz = 512, 512, 300
rng = np.random.default_rng(42)
y, x = np.mgrid[0:ny, 0:nx].astype(np.float32)
cx, cy = nx / 2, ny / 2
vol = np.empty((nx, ny, nz), dtype=np.int16)
for k in range(nz):
    s = 1.0 + 0.15 * np.sin(k / nz * np.pi)
    r = np.sqrt(((x - cx) / (200 * s)) ** 2 + ((y - cy) / (150 * s)) ** 2)
    sl = np.full((ny, nx), -1000.0, dtype=np.float32)
    body = r < 1.0
    sl[body] = 40 + 20 * np.cos(x[body] / 37.0) * np.sin(y[body] / 23.0)
    sl[(r > 0.88) & (r < 0.93)] = 700 + 3 * k % 200
    organ = ((x - cx + 60) / 70) ** 2 + ((y - cy - 20) / 50) ** 2 < 1
    sl[organ] = 60
    lung = (((x - cx - 80) / 60) ** 2 + ((y - cy + 10) / 80) ** 2 < 1) | (((x - cx + 90) / 55) ** 2 + ((y - cy + 10) / 75) ** 2 < 1)
    sl[lung & ~organ] = -850
    sl += rng.normal(0, 12, sl.shape).astype(np.float32) * body
    vol[:, :, k] = np.round(sl).astype(np.int16).T
affine = np.diag([0.7, 0.7, 1.25, 1.0])
affine[:3, 3] = [-179, -179, -370]
img = nib.Nifti1Image(vol, affine)
img.set_data_dtype(np.int16)
nib.save(img, sys.argv[1])
PY
fi

echo "building MedVox.Benchmarks (Release) ..." >&2
dotnet build -c Release "$root/bench/MedVox.Benchmarks" -v q -nologo >/dev/null
nibabel_side() {
  "$python" - "$input" "$work/nibabel_out.nii.gz" <<'PY'
import sys, time, os
import numpy as np, nibabel as nib
src, dst = sys.argv[1], sys.argv[2]
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    img = nib.load(src)
    data = np.asanyarray(img.dataobj)
    best = min(best, time.perf_counter() - t)
assert data.dtype == np.int16, data.dtype
print(f"nibabel_read {best:.4f}")
out = nib.Nifti1Image(data, img.affine, img.header)
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    nib.save(out, dst)
    best = min(best, time.perf_counter() - t)
print(f"nibabel_write {best:.4f}")
print(f"nibabel_write_bytes {os.path.getsize(dst)}")
print(f"nibabel_version {nib.__version__}")
PY
}

# The two sides alternate for ROUNDS rounds (default 2) and each keeps its best, so that load from other processes on
# a shared machine does not favour whichever side happened to run in a quiet moment.
results=""
for ((round = 0; round < ${ROUNDS:-2}; round++)); do
  results+=$(dotnet run -c Release --no-build --project "$root/bench/MedVox.Benchmarks" -- compare nifti "$input" "$work/medvox_out.nii.gz")$'\n'
  results+=$(nibabel_side)$'\n'
done

get() { printf '%s\n' "$results" | awk -v k="$1" '$1 == k && (best == "" || $2 < best) { best = $2 } END { print best }'; }
mr=$(get medvox_read); mw=$(get medvox_write); nr=$(get nibabel_read); nw=$(get nibabel_write)
echo "input: $input ($(stat -c %s "$input") bytes), 512x512x300 int16; nibabel $(get nibabel_version); $(nproc) cores"
printf '%-8s %12s %12s %16s\n' "" "MedVox (s)" "nibabel (s)" "nibabel/MedVox"
printf '%-8s %12s %12s %16s\n' read "$mr" "$nr" "$(awk -v a="$nr" -v b="$mr" 'BEGIN { printf "%.2fx", a / b }')"
printf '%-8s %12s %12s %16s\n' write "$mw" "$nw" "$(awk -v a="$nw" -v b="$mw" 'BEGIN { printf "%.2fx", a / b }')"
echo "written sizes: MedVox $(get medvox_write_bytes) bytes, nibabel $(get nibabel_write_bytes) bytes"
