# The MedVox U-Net written independently in PyTorch with the same module names, so that a state dict saved by either
# side loads in the other and both compute the same logits. Usage:
#   unet_oracle.py CONFIG.json IN_WEIGHTS|- INPUT.safetensors OUT.safetensors [OUT_WEIGHTS]
# With IN_WEIGHTS "-" the network keeps PyTorch's random initialisation (seed 0) and its weights go to OUT_WEIGHTS.
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_np  # noqa: E402


def conv(d, i, o, k, s):
    return (nn.Conv2d if d == 2 else nn.Conv3d)(i, o, k, s, [x // 2 for x in k])


class ConvNormAct(nn.Module):
    def __init__(self, d, i, o, k, s, act=True):
        super().__init__()
        self.conv = conv(d, i, o, k, s)
        self.norm = (nn.InstanceNorm2d if d == 2 else nn.InstanceNorm3d)(o, eps=1e-5, affine=True)
        self.nonlin = nn.LeakyReLU(0.01, inplace=True) if act else nn.Identity()

    def forward(self, x):
        return self.nonlin(self.norm(self.conv(x)))


class ResidualBlock(nn.Module):
    def __init__(self, d, i, o, k, s):
        super().__init__()
        self.conv1 = ConvNormAct(d, i, o, k, s)
        self.conv2 = ConvNormAct(d, o, o, k, [1] * d, act=False)
        strided = any(x != 1 for x in s)
        if not strided and i == o:
            self.skip = nn.Identity()
        else:
            ops = []
            if strided:
                ops.append(("pool", (nn.AvgPool2d if d == 2 else nn.AvgPool3d)(s, s, ceil_mode=True)))
            if i != o:
                ops.append(("proj", ConvNormAct(d, i, o, [1] * d, [1] * d, act=False)))
            self.skip = nn.Sequential(__import__("collections").OrderedDict(ops))
        self.nonlin = nn.LeakyReLU(0.01, inplace=True)

    def forward(self, x):
        return self.nonlin(self.conv2(self.conv1(x)) + self.skip(x))


class UNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, f = c["Dimensions"], c["Features"]
        self.c = c
        self.encoder = nn.ModuleList()
        i = c["InputChannels"]
        for s in range(len(f)):
            blocks = []
            for b in range(c["EncoderBlocks"][s]):
                stride = c["Strides"][s] if b == 0 else [1] * d
                blk = ResidualBlock if c["ResidualEncoder"] else ConvNormAct
                blocks.append(blk(d, i, f[s], c["Kernels"][s], stride))
                i = f[s]
            self.encoder.append(nn.Sequential(*blocks))
        self.upsample, self.decoder, self.heads = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        tconv = nn.ConvTranspose2d if d == 2 else nn.ConvTranspose3d
        for s in range(len(f) - 2, -1, -1):
            st = c["Strides"][s + 1]
            self.upsample.append(tconv(f[s + 1], f[s], st, st))
            self.decoder.append(nn.Sequential(*[ConvNormAct(d, 2 * f[s] if j == 0 else f[s], f[s], c["Kernels"][s], [1] * d)
                                                for j in range(c["DecoderConvolutions"])]))
            if c["DeepSupervision"] or s == 0:
                self.heads.append(conv(d, f[s], c["Classes"], [1] * d, [1] * d))

    def forward(self, x):
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        n = len(self.c["Features"])
        for j in range(n - 1):
            s = n - 2 - j
            x = self.decoder[j](torch.cat([self.upsample[j](x), skips[s]], 1))
        return self.heads[-1](x)


def main():
    config = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    net = UNet(config).eval()
    if sys.argv[2] != "-":
        state = {k: torch.from_numpy(v) for k, v in safetensors_np.load(sys.argv[2]).items()}
        net.load_state_dict(state, strict=True)
    x = torch.from_numpy(safetensors_np.load(sys.argv[3])["input"])
    with torch.no_grad():
        y = net(x)
    safetensors_np.save({"output": y.numpy()}, sys.argv[4])
    if len(sys.argv) > 5:
        safetensors_np.save({k: v.detach().numpy() for k, v in net.state_dict().items()}, sys.argv[5])


if __name__ == "__main__":
    main()
