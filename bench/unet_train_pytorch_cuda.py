# The PyTorch half of bench/gpu-run.sh for training: one iteration of the same 3D U-Net as MedVox's UNet (the layout
# of bench/unet_train_pytorch.py) on CUDA, float32 or bf16 autocast (PyTorch's own mixed precision, the reference
# MedVox's bf16 is measured against), SGD (Nesterov, momentum 0.99, weight decay 3e-5), gradient clipping at 12.
# Usage: unet_train_pytorch_cuda.py PATCH BATCH FEATURES CLASSES STEPS WARMUP float32|bf16
# Prints pytorch_step (best seconds), pytorch_median, and the allocator's peaks (GiB).
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet_train_pytorch import UNet  # noqa: E402


def main():
    patch, batch = int(sys.argv[1]), int(sys.argv[2])
    features = [int(f) for f in sys.argv[3].split(",")]
    classes, steps, warmup = (int(a) for a in sys.argv[4:7])
    bf16 = sys.argv[7] == "bf16"
    device = torch.device("cuda")
    # CUDNN_BENCHMARK=1: cuDNN's autotuner, as nnU-Net sets it (MedVox turns it on for CUDA).
    torch.backends.cudnn.benchmark = os.environ.get("CUDNN_BENCHMARK", "0") == "1"
    print(f"pytorch_cudnn_benchmark {torch.backends.cudnn.benchmark}")
    torch.manual_seed(0)
    net = UNet(features, classes).to(device).train()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.99, weight_decay=3e-5, nesterov=True)
    images = torch.randn(batch, 1, patch, patch, patch, device=device)
    labels = torch.randint(0, classes, (batch, patch, patch, patch), device=device)
    times = []
    torch.cuda.reset_peak_memory_stats()
    for i in range(warmup + steps):
        torch.cuda.synchronize()
        t = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.cross_entropy(net(images), labels)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 12)
        optimizer.step()
        value = loss.item()
        torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    times.sort()
    print(f"pytorch_step {times[0]:.4f}")
    print(f"pytorch_median {times[len(times) // 2]:.4f}")
    print(f"pytorch_loss {value:.4f}")
    print(f"pytorch_version {torch.__version__}")
    print(f"pytorch_max_allocated_gib {torch.cuda.max_memory_allocated() / 2**30:.2f}")
    print(f"pytorch_max_reserved_gib {torch.cuda.max_memory_reserved() / 2**30:.2f}")


if __name__ == "__main__":
    main()
