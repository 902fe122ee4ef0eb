#!/usr/bin/env bash
# Whole-slide benchmark (issue 8): a synthetic 50000x30000 H&E slide processed tile by tile in bounded memory.
# Usage: [WIDTH=50000 HEIGHT=30000 LEVEL0_WINDOWS=200 LEVEL0_BATCH=1 ITERATIONS=300 REGIONS=200 ROUNDS=2] bench/wsi-full-slide.sh [WORK_DIR]
# Needs dotnet, /usr/bin/time, /usr/bin/python3 with python3-openslide and numpy, and libopenslide0.
#
# Steps (each under /usr/bin/time -v, so that peak RSS is the kernel's figure for the whole process):
# 1. two training slides (8192x6144, seeds 2 and 3) and a model trained on them (`medvox wsi train`, level 2);
# 2. the test slide WIDTHxHEIGHT (seed 1) with its exact tumour mask (`medvox phantom slide`);
# 3. `medvox wsi predict` over the whole test slide at the model's resolution (level 2 of the pyramid, every tissue
#    tile), with --truth: tiles/s, Dice against the phantom's mask, peak RSS;
# 4. level 0 (full width, the largest blending rows): the first LEVEL0_WINDOWS tissue windows through the same model
#    (`compare wsi-level0`), peak RSS and tiles/s;
# 5. reader throughput: REGIONS random 512x512 level-0 regions read with MedVox's TiffSlideReader (`compare wsi-read`)
#    and with OpenSlide's read_region (python3-openslide) from the same file; best of 3 each, sides alternating.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
width="${WIDTH:-50000}" height="${HEIGHT:-30000}"
python=/usr/bin/python3
timev=/usr/bin/time
log="$work/wsi-bench.log"
: >"$log"

echo "building medvox and MedVox.Benchmarks (Release) ..." >&2
dotnet build -c Release "$root/src/MedVox.Cli" -v q -nologo >/dev/null
dotnet build -c Release "$root/bench/MedVox.Benchmarks" -v q -nologo >/dev/null
medvox=("$root/src/MedVox.Cli/bin/Release/net10.0/medvox")
compare=(dotnet "$root/bench/MedVox.Benchmarks/bin/Release/net10.0/MedVox.Benchmarks.dll" compare)

# timed NAME CMD...: runs CMD under /usr/bin/time -v; its output goes to $work/NAME.out, the time report to NAME.time.
timed() {
  local name="$1"; shift
  echo "== $name: $*" >&2
  "$timev" -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>&1 || { cat "$work/$name.out" >&2; exit 1; }
  tail -n 3 "$work/$name.out" >&2
  echo "$name: wall $(wall "$name") s, peak RSS $(rss_mb "$name") MB" | tee -a "$log" >&2
}
rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/$1.time"; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$work/$1.time"; }

# 1. Model trained on other synthetic slides.
model="$work/model"
if [[ ! -f "$model/model.json" ]]; then
  for seed in 2 3; do
    timed "train-slide-$seed" "${medvox[@]}" phantom slide --width 8192 --height 6144 --seed "$seed" --out "$work/train$seed.tiff"
  done
  timed train "${medvox[@]}" wsi train --slide "$work/train2.tiff" "$work/train3.tiff" --level 2 \
    --iterations "${ITERATIONS:-300}" --patch 128 --batch 8 --out "$model"
fi

# 2. The test slide.
slide="$work/slide-${width}x${height}.tiff"
if [[ ! -f "$slide" ]]; then
  timed phantom "${medvox[@]}" phantom slide --width "$width" --height "$height" --seed 1 --out "$slide"
fi
mask="${slide%.tiff}.mask.tiff"
echo "slide: $slide ($(stat -c %s "$slide") bytes), mask $(stat -c %s "$mask") bytes" | tee -a "$log" >&2

# 3. The whole slide at the model's resolution, Dice against the truth.
rm -rf "$work/predict"
timed predict "${medvox[@]}" wsi predict --model "$model" --in "$slide" --out "$work/predict" --truth "$mask" --restart
"$python" - "$work/predict/summary.json" <<'PY' | tee -a "$log" >&2
import json, sys
s = json.load(open(sys.argv[1]))
print(f"predict: level {s['Level']} ({s['Width']}x{s['Height']}), {s['TilesProcessed']} tissue windows of {s['Tiles']} tiles, "
      f"{s['TilesPerSecond']:.2f} tiles/s, {s['Seconds']:.0f} s in all, Dice {s['Dice']:.3f}, tumour {s['TumourAreaMm2']:.2f} mm2")
PY

# 4. Level 0: the first LEVEL0_WINDOWS tissue windows (full-width rows of 512-pixel tiles).
rm -rf "$work/level0"
timed level0 "${compare[@]}" wsi-level0 "$model" "$slide" "$work/level0" "${LEVEL0_WINDOWS:-200}" "${LEVEL0_BATCH:-1}"
grep level0_windows "$work/level0.out" | tee -a "$log" >&2

# 5. Reader throughput against OpenSlide read_region on the same regions.
regions="$work/regions.txt"
"$python" - "$width" "$height" "${REGIONS:-200}" >"$regions" <<'PY'
import random, sys
w, h, n = map(int, sys.argv[1:])
rng = random.Random(7)
for _ in range(n):
    print(rng.randrange(0, w - 512), rng.randrange(0, h - 512), 512, 512)
PY
openslide_side() {
  "$python" - "$slide" "$regions" <<'PY2'
import sys, time
import numpy as np, openslide
regions = [tuple(map(int, l.split())) for l in open(sys.argv[2]) if l.strip()]
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    s = openslide.OpenSlide(sys.argv[1])
    for x, y, w, h in regions:
        np.asarray(s.read_region((x, y), 0, (w, h)))
    s.close()
    best = min(best, time.perf_counter() - t)
nbytes = sum(w * h * 3 for _, _, w, h in regions)
print(f"openslide_read_1thread {best:.3f} {len(regions) / best:.1f} {nbytes / best / 1e6:.1f}")
PY2
}
# The two sides alternate for ROUNDS rounds (default 2) and each keeps its best, so that load from other processes on a
# shared machine does not favour whichever side happened to run in a quiet moment.
: >"$work/read.out"
for ((round = 0; round < ${ROUNDS:-2}; round++)); do
  "${compare[@]}" wsi-read "$slide" "$regions" | tee -a "$work/read.out" >&2
  openslide_side | tee -a "$work/read.out" >&2
done

echo
echo "# $(date -u +%F) $(nproc) cores, slide ${width}x${height}" 
cat "$log"
printf '%-28s %10s %12s %10s\n' reader seconds regions/s MB/s
sort -k1,1 -k2,2n "$work/read.out" | awk '$1 != last { printf "%-28s %10s %12s %10s\n", $1, $2, $3, $4; last = $1 }'
