# The PyTorch half of bench/predict-vs-pytorch.sh: the same sliding-window algorithm as nnU-Net's predictor
# (predict_sliding_window_return_logits), written with PyTorch on the same network (tests/.../Oracles/unet_oracle.py) and
# the same weights: CT normalisation, zero padding to the patch, nnU-Net's steps, the per-axis Gaussian (sigma 1/8 of
# the patch, floor 1e-3 per axis), float16 logits and float32 weight sums over the whole volume, division, argmax.
# Usage: predict_pytorch.py MODEL_DIR INPUT.nii LABELS_OUT.npy OVERLAP [MEDVOX_LABELS.nii]
import json
import math
import os
import sys
import time

import nibabel as nib
import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "MedVox.Learning.Tests", "Oracles"))
import safetensors_np  # noqa: E402
from unet_oracle import UNet  # noqa: E402


def steps(size, patch, overlap):
    target = patch * (1 - overlap)
    count = int(math.ceil((size - patch) / target)) + 1
    actual = (size - patch) / (count - 1) if count > 1 else 0
    return [int(round(actual * i)) for i in range(count)]


def axis_weights(patch):
    i = np.arange(patch)
    g = np.exp(-((i - patch // 2) ** 2) / (2 * (patch / 8.0) ** 2))
    return np.maximum(g / g.max(), 1e-3).astype(np.float32)


def main():
    model, source, out, overlap = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    plan = json.load(open(os.path.join(model, "plan.json")))
    config = json.load(open(os.path.join(model, "config.json")))
    net = UNet(config).eval()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in safetensors_np.load(os.path.join(model, "weights.safetensors")).items()})
    norm = plan["preprocessing"]["normalization"][0]
    patch = plan["patch_size"]
    volume = np.asanyarray(nib.load(source).dataobj).transpose(2, 1, 0)  # x, y, z -> z, y, x (tensor order)

    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    start, cpu = time.perf_counter(), time.process_time()
    with torch.no_grad():
        data = torch.from_numpy(np.ascontiguousarray(volume)).float()
        data = (data.clamp(norm["clip_low"], norm["clip_high"]) - norm["mean"]) / max(norm["standard_deviation"], 1e-8)
        size = list(data.shape)
        padded = [max(s, p) for s, p in zip(size, patch)]
        before = [(p - s) // 2 for s, p in zip(size, padded)]
        if padded != size:
            full = torch.zeros(padded)
            full[before[0]:before[0] + size[0], before[1]:before[1] + size[1], before[2]:before[2] + size[2]] = data
            data = full
        g = [torch.from_numpy(axis_weights(p)) for p in patch]
        gaussian = g[0][:, None, None] * g[1][None, :, None] * g[2][None, None, :]
        classes = config["Classes"]
        logits = torch.zeros([classes] + padded, dtype=torch.half)
        weights = torch.zeros(padded, dtype=torch.float32)
        for z in steps(padded[0], patch[0], overlap):
            for y in steps(padded[1], patch[1], overlap):
                for x in steps(padded[2], patch[2], overlap):
                    window = data[z:z + patch[0], y:y + patch[1], x:x + patch[2]][None, None]
                    prediction = net(window)[0]
                    logits[:, z:z + patch[0], y:y + patch[1], x:x + patch[2]] += (prediction * gaussian).half()
                    weights[z:z + patch[0], y:y + patch[1], x:x + patch[2]] += gaussian
        labels = (logits.float() / weights).argmax(0)
        labels = labels[before[0]:before[0] + size[0], before[1]:before[1] + size[1], before[2]:before[2] + size[2]].to(torch.uint8).numpy()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    np.save(out, labels)
    print(f"pytorch_seconds {seconds:.3f}")
    print(f"pytorch_cpu_seconds {cpu:.3f}")
    print(f"pytorch_voxels {labels.size}")
    print(f"pytorch_threads {torch.get_num_threads()}")
    print(f"pytorch_version {torch.__version__}")
    if len(sys.argv) > 5:
        ours = np.asanyarray(nib.load(sys.argv[5]).dataobj).transpose(2, 1, 0)
        print(f"agreement {(ours == labels).mean():.6f}")


main()
