# What downsampling costs small structures, measured on the exact labels of an abdomen phantom (issue 6), with numpy and
# scipy only (independent of MedVox's resampling): the best any network working at a coarser grid can do.
#  - "full resolution": a network at the image's own grid can in principle reproduce every label (Dice 1.000).
#  - "downsampled kx": each class's one-hot map averaged over k^3 blocks (the partial-volume fractions an ideal network
#    at k times the spacing would output), resampled back linearly (scipy.ndimage.zoom, order 1, grid_mode) and
#    argmax'ed, as nnU-Net's low-resolution stage resamples its probabilities back.
#  - "cascade": the 4x stage localises the vascular classes (aorta, IVC, vessels); the box around what it finds, plus a
#    margin, is segmented at full resolution, so the ceiling is what the box holds of the structure.
# Thin vessels: voxels of the vessel label whose local diameter is at most 3 voxels (the largest distance to the
# vessel's border within 2 voxels is at most 1.5).
# Usage: small_structures.py LABELS.nii.gz [MARGIN_MM]
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage

LABELS = {1: "liver", 2: "spleen", 3: "kidney_right", 6: "pancreas", 7: "aorta", 8: "inferior_vena_cava", 9: "vessels"}
VASCULAR = (7, 8, 9)


def downsampled(labels, k, classes):
    """Labels after an ideal round trip through a grid k times coarser (shape cropped to a multiple of k)."""
    shape = tuple(s - s % k for s in labels.shape)
    cropped = labels[: shape[0], : shape[1], : shape[2]]
    best = np.full(shape, -1.0, dtype=np.float32)
    result = np.zeros(shape, dtype=np.uint8)
    for c in classes:
        onehot = (cropped == c).astype(np.float32)
        low = onehot.reshape(shape[0] // k, k, shape[1] // k, k, shape[2] // k, k).mean(axis=(1, 3, 5))
        back = ndimage.zoom(low, k, order=1, grid_mode=True, mode="nearest")
        better = back > best
        best[better] = back[better]
        result[better] = c
    return result, shape


def dice(a, b):
    total = a.sum() + b.sum()
    return 1.0 if total == 0 else 2.0 * np.logical_and(a, b).sum() / total


def main():
    image = nib.load(sys.argv[1])
    margin_mm = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    labels = np.asarray(image.dataobj).astype(np.uint8)
    spacing = image.header.get_zooms()[:3]
    classes = [int(c) for c in np.unique(labels)]
    vessel = labels == 9
    edt = ndimage.distance_transform_edt(vessel)
    thin = vessel & (ndimage.maximum_filter(edt, size=5) <= 1.5)
    print(f"labels {labels.shape}, spacing {tuple(round(float(s), 3) for s in spacing)} mm, "
          f"vessel voxels {int(vessel.sum())}, thin (diameter <= 3 voxels) {int(thin.sum())}")

    rows = {name: ["1.000"] for name in LABELS.values()}
    rows["thin vessels (recall)"] = ["1.000"]
    for k in (2, 4):
        down, shape = downsampled(labels, k, classes)
        gt = labels[: shape[0], : shape[1], : shape[2]]
        for c, name in LABELS.items():
            rows[name].append(f"{dice(down == c, gt == c):.3f}")
        t = thin[: shape[0], : shape[1], : shape[2]]
        rows["thin vessels (recall)"].append(f"{(down[t] == 9).mean():.3f}")
        if k == 4:
            found = np.isin(down, VASCULAR)
            box = np.zeros(labels.shape, dtype=bool)
            if found.any():
                idx = np.nonzero(found)
                m = [int(np.ceil(margin_mm / s)) for s in spacing]
                lo = [max(0, int(i.min()) - mi) for i, mi in zip(idx, m)]
                hi = [min(labels.shape[a], int(idx[a].max()) + 1 + m[a]) for a in range(3)]
                box[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = True
            fraction = box.mean()
    for c, name in LABELS.items():
        inside = (labels == c) & box
        rows[name].append(f"{dice(inside, labels == c):.3f}")
    rows["thin vessels (recall)"].append(f"{box[thin].mean():.3f}")

    print(f"cascade box: {fraction:.1%} of the voxels (4x localisation of aorta, IVC and vessels, margin {margin_mm:g} mm)")
    print("| structure | full resolution | downsampled 2x | downsampled 4x | cascade (4x box, full resolution inside) |")
    print("|---|---|---|---|---|")
    for name, values in rows.items():
        print(f"| {name} | " + " | ".join(values) + " |")


main()
