# The PyTorch half of bench/unet-train-vs-pytorch.sh: one training iteration of the same 3D U-Net as MedVox's UNet
# (stages of conv-instance norm-LeakyReLU x2, strided-conv downsampling, transposed-conv upsampling, skips; the layout
# of tests/MedVox.Learning.Tests/Oracles/unet_oracle.py, which a test checks gives MedVox's logits), with the steps
# of MedVox's Trainer: zero_grad, forward, cross-entropy, backward, clip_grad_norm_(12), SGD (Nesterov, momentum 0.99,
# weight decay 3e-5). Usage: unet_train_pytorch.py PATCH BATCH FEATURES(16,32,64,128) CLASSES THREADS STEPS WARMUP
# Prints pytorch_step (best seconds per iteration), pytorch_median and the torch version.
import sys
import time

import torch
import torch.nn as nn


def conv(i, o, s):
    return nn.Conv3d(i, o, 3, s, 1)


class ConvNormAct(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.conv = conv(i, o, s)
        self.norm = nn.InstanceNorm3d(o, eps=1e-5, affine=True)
        self.nonlin = nn.LeakyReLU(0.01, inplace=True)

    def forward(self, x):
        return self.nonlin(self.norm(self.conv(x)))


class UNet(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.encoder = nn.ModuleList()
        i = 1
        for s, f in enumerate(features):
            self.encoder.append(nn.Sequential(ConvNormAct(i, f, 1 if s == 0 else 2), ConvNormAct(f, f, 1)))
            i = f
        self.upsample, self.decoder = nn.ModuleList(), nn.ModuleList()
        for s in range(len(features) - 2, -1, -1):
            self.upsample.append(nn.ConvTranspose3d(features[s + 1], features[s], 2, 2))
            self.decoder.append(nn.Sequential(ConvNormAct(2 * features[s], features[s], 1), ConvNormAct(features[s], features[s], 1)))
        self.head = nn.Conv3d(features[0], classes, 1)

    def forward(self, x):
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        n = len(self.encoder)
        for j in range(n - 1):
            x = self.decoder[j](torch.cat([self.upsample[j](x), skips[n - 2 - j]], 1))
        return self.head(x)


def main():
    patch, batch = int(sys.argv[1]), int(sys.argv[2])
    features = [int(f) for f in sys.argv[3].split(",")]
    classes, threads, steps, warmup = (int(a) for a in sys.argv[4:8])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = UNet(features, classes).train()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.99, weight_decay=3e-5, nesterov=True)
    images = torch.randn(batch, 1, patch, patch, patch)
    labels = torch.randint(0, classes, (batch, patch, patch, patch))
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(net(images), labels)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 12)
        optimizer.step()
        value = loss.item()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    times.sort()
    print(f"pytorch_step {times[0]:.4f}")
    print(f"pytorch_median {times[len(times) // 2]:.4f}")
    print(f"pytorch_loss {value:.4f}")
    print(f"pytorch_version {torch.__version__}")
    print(f"pytorch_threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
