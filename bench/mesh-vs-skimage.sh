#!/usr/bin/env bash
# Marching cubes speed and memory, MedVox against scikit-image, on the same 512^3 uint8 label map holding one
# liver-sized object (about 1.5 L at 0.75 x 0.75 x 0.8 mm).
# Usage: [N=512] [ROUNDS=2] bench/mesh-vs-skimage.sh [WORK_DIR]   (needs /usr/bin/python3 with scikit-image, and dotnet)
# Both sides extract the 0.5 isosurface of the whole map with the same spacing (skimage.measure.marching_cubes with
# its defaults, Lewiner's method) and report their best of 3 per round, rounds alternating, plus the peak memory
# beyond the loaded input (VmHWM after resetting it through /proc/self/clear_refs). "medvox_pipeline" is what
# `medvox mesh` does for one label (bounding box, slight Gaussian, volume-matched level, extraction).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
n="${N:-512}"
mkdir -p "$work"
python=/usr/bin/python3
bench() { dotnet run -c Release --no-build --project "$root/bench/MedVox.Benchmarks" -- compare mesh "$@"; }

echo "building MedVox.Benchmarks (Release) ..." >&2
dotnet build -c Release "$root/bench/MedVox.Benchmarks" -v q -nologo >/dev/null
if [[ ! -f "$work/labels.u8" ]] || [[ $(stat -c %s "$work/labels.u8") -ne $((n * n * n)) ]]; then
  echo "generating $work/labels.u8 ($n^3) ..." >&2
  bench generate "$work" "$n"
fi

skimage_side() {
  "$python" - "$work/labels.u8" "$n" <<'PY'
import sys, time
import numpy as np, skimage
from skimage.measure import marching_cubes, mesh_surface_area

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0

path, n = sys.argv[1], int(sys.argv[2])
# x fastest on disk: numpy's (z, y, x) order, so the spacing is (z, y, x) too.
labels = np.fromfile(path, dtype=np.uint8).reshape(n, n, n)
try:
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
baseline = status("VmRSS")
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    verts, faces, normals, values = marching_cubes(labels, 0.5, spacing=(0.8, 0.75, 0.75))
    best = min(best, time.perf_counter() - t)
peak = status("VmHWM")
v = verts[faces]
volume = abs(np.einsum("ij,ij->i", v[:, 0], np.cross(v[:, 1], v[:, 2])).sum()) / 6
print(f"skimage {best:.3f}")
print(f"skimage_mb {(peak - baseline) / 1024:.0f}")
print(f"skimage_triangles {len(faces)}")
print(f"skimage_volume_ml {volume / 1000:.2f}")
print(f"skimage_area_mm2 {mesh_surface_area(verts, faces):.0f}")
print(f"skimage_version {skimage.__version__}")
PY
}

results=""
for ((round = 0; round < ${ROUNDS:-2}; round++)); do
  results+=$(bench core "$work" "$n")$'\n'
  results+=$(skimage_side)$'\n'
done
results+=$(bench pipeline "$work" "$n")$'\n'

get() { printf '%s\n' "$results" | awk -v k="$1" '$1 == k && (best == "" || $2 < best) { best = $2 } END { print best }'; }
mc=$(get medvox_core); sk=$(get skimage); mp=$(get medvox_pipeline)
echo "input: $n^3 uint8 label map, one liver-sized object; scikit-image $(get skimage_version); $(nproc) cores"
printf '%-22s %10s %14s %12s %14s %14s\n' "" "time (s)" "peak MB extra" "triangles" "volume (mL)" "area (mm^2)"
for side in medvox_core skimage medvox_pipeline; do
  printf '%-22s %10s %14s %12s %14s %14s\n' "$side" "$(get $side)" "$(get ${side}_mb)" "$(get ${side}_triangles)" "$(get ${side}_volume_ml)" "$(get ${side}_area_mm2)"
done
echo "skimage/MedVox (core): $(awk -v a="$sk" -v b="$mc" 'BEGIN { printf "%.2fx", a / b }')"
