# torchvision's DenseNet-121 (python3-torchvision) with a 1-channel first convolution, loading MedVox's state dict
# strictly and computing logits in eval mode. Usage: densenet_oracle.py WEIGHTS INPUT OUT
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_np  # noqa: E402

net = torchvision.models.densenet121(num_classes=2)
net.features.conv0 = torch.nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
state = {k: torch.from_numpy(v) for k, v in safetensors_np.load(sys.argv[1]).items()}
net.load_state_dict(state, strict=True)
net.eval()
x = torch.from_numpy(safetensors_np.load(sys.argv[2])["input"])
with torch.no_grad():
    y = net(x)
safetensors_np.save({"output": y.numpy()}, sys.argv[3])
