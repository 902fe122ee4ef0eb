# The PyTorch half of bench/gpu-run.sh for prediction: MONAI's sliding_window_inference as the reference ran
# it (the GPU machine has PyTorch but not MONAI, so the algorithm is written here): windows of 128^3 at overlap 0.5,
# Gaussian importance map (sigma 1/8 of the window), 4 windows per batch, bf16 autocast, the classes x volume float32
# output and the weight map kept on the GPU, then argmax and the labels copied to the host. The network is the same
# U-Net layout as MedVox's (bench/unet_train_pytorch.py), random weights. The input is the int16 CT volume MedVox
# reads (NIfTI, read with numpy here), normalised on the GPU as MedVox's plan says (clip -1000..1000, /300).
# Usage: predict_pytorch_cuda.py VOLUME.nii FEATURES CLASSES PATCH OVERLAP BATCH REPEAT
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet_train_pytorch import UNet  # noqa: E402


def read_nifti_int16(path):
    with open(path, "rb") as f:
        header = f.read(352)
        dims = np.frombuffer(header[40:56], dtype="<i2")
        offset = int(np.frombuffer(header[108:112], dtype="<f4")[0])
        nx, ny, nz = int(dims[1]), int(dims[2]), int(dims[3])
        f.seek(offset)
        data = np.frombuffer(f.read(nx * ny * nz * 2), dtype="<i2").reshape(nz, ny, nx)
    return data


def gaussian(patch, device):
    sigma = patch / 8.0
    x = torch.arange(patch, dtype=torch.float32, device=device) - (patch - 1) / 2.0
    g = torch.exp(-0.5 * (x / sigma) ** 2)
    w = g[:, None, None] * g[None, :, None] * g[None, None, :]
    w = w / w.max()
    return w.clamp_min(w[w > 0].min())


def starts(size, patch, overlap):
    step = max(1, int(patch * (1 - overlap)))
    n = int(np.ceil((size - patch) / step)) + 1
    if n == 1:
        return [0]
    actual = (size - patch) / (n - 1)
    return [int(round(actual * i)) for i in range(n)]


def predict(net, volume, classes, patch, overlap, batch, device):
    x = volume.to(device, non_blocking=True).float().clamp_(-1000, 1000).div_(300.0)
    z, y, w = x.shape
    out = torch.zeros((classes, z, y, w), dtype=torch.float32, device=device)
    count = torch.zeros((z, y, w), dtype=torch.float32, device=device)
    weight = gaussian(patch, device)
    slices = [(a, b, c) for a in starts(z, patch, overlap) for b in starts(y, patch, overlap) for c in starts(w, patch, overlap)]
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        for i in range(0, len(slices), batch):
            chunk = slices[i:i + batch]
            windows = torch.stack([x[a:a + patch, b:b + patch, c:c + patch] for a, b, c in chunk])[:, None]
            logits = net(windows).float()
            for (a, b, c), l in zip(chunk, logits):
                out[:, a:a + patch, b:b + patch, c:c + patch] += l * weight
                count[a:a + patch, b:b + patch, c:c + patch] += weight
    out /= count
    labels = out.argmax(0).to(torch.uint8).cpu()
    return labels, len(slices)


def main():
    path, features = sys.argv[1], [int(f) for f in sys.argv[2].split(",")]
    classes, patch = int(sys.argv[3]), int(sys.argv[4])
    overlap, batch, repeat = float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    device = torch.device("cuda")
    # CUDNN_BENCHMARK=1: cuDNN's autotuner, as nnU-Net sets it (MedVox turns it on for CUDA).
    torch.backends.cudnn.benchmark = os.environ.get("CUDNN_BENCHMARK", "0") == "1"
    print(f"pytorch_cudnn_benchmark {torch.backends.cudnn.benchmark}")
    torch.manual_seed(0)
    net = UNet(features, classes).to(device).eval()
    volume = torch.from_numpy(read_nifti_int16(path).copy()).pin_memory()
    torch.cuda.reset_peak_memory_stats()
    for r in range(repeat):
        torch.cuda.synchronize()
        t = time.perf_counter()
        labels, windows = predict(net, volume, classes, patch, overlap, batch, device)
        torch.cuda.synchronize()
        print(f"pytorch_seconds {time.perf_counter() - t:.3f}")
    print(f"pytorch_windows {windows}")
    print(f"pytorch_version {torch.__version__}")
    print(f"pytorch_max_allocated_gib {torch.cuda.max_memory_allocated() / 2**30:.2f}")
    print(f"pytorch_max_reserved_gib {torch.cuda.max_memory_reserved() / 2**30:.2f}")
    print(f"pytorch_labels_nonzero {int((labels > 0).sum())}")


if __name__ == "__main__":
    main()
