#!/usr/bin/env python3
"""PyTorch CPU reference for bench/throughput.mjs: images/s of LeNet-5 and ResNet-20, training and inference.

Same models, batch sizes, loss and optimizer as the tfjs bench (see bench/README.md): LeNet-5 at batch 64
on 1x28x28, ResNet-20 as packages/runtime/src/models/resnet.ts builds it at batch 32 on 3x32x32; a training
step is SGD + momentum (0.01, 0.9) on softmax cross-entropy with batch norm in training mode and the loss
read back; inference is eval mode under no_grad. Each configuration (threads x memory format) runs its
warm-up steps (excluded), then the timed steps; the median is reported. Prints one JSON object on stdout.

Usage: python3 bench/pytorch_bench.py [--threads 1,2] [--layouts nchw,channels_last] [--models lenet5,resnet20]
When torch cannot be imported it prints {"skipped": "..."} and exits 0.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"PyTorch is not installed ({error}); skipping the PyTorch bench (Debian: apt-get install python3-torch)", file=sys.stderr)
    print(json.dumps({"skipped": f"torch not importable: {error}"}))
    sys.exit(0)


class LeNet5(nn.Module):
    """conv 6@5x5 same + ReLU, avg-pool 2, conv 16@5x5 valid + ReLU, avg-pool 2, dense 120, 84 (ReLU), 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class BasicBlock(nn.Module):
    """resnet.ts basicBlock: conv3x3-BN-ReLU-conv3x3-BN + shortcut, ReLU. Strided shortcut: 2x2 avg-pool then
    1x1 conv without BN; channel change without stride: 1x1 conv + BN."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels, eps=1e-5, momentum=0.1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels, eps=1e-5, momentum=0.1)
        if stride != 1:
            self.shortcut = nn.Sequential(nn.AvgPool2d(stride, stride), nn.Conv2d(in_channels, out_channels, 1, bias=False))
        elif in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        residual = F.relu(self.bn1(self.conv1(x)))
        residual = self.bn2(self.conv2(residual))
        return F.relu(residual + self.shortcut(x))


class ResNet20(nn.Module):
    def __init__(self, width=16, blocks_per_stage=3, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        layers = []
        channels = width
        for stage in range(3):
            stage_channels = width * 2**stage
            for block in range(blocks_per_stage):
                stride = 2 if stage > 0 and block == 0 else 1
                layers.append(BasicBlock(channels, stage_channels, stride))
                channels = stage_channels
        self.stages = nn.Sequential(*layers)
        self.logits = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.logits(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


MODELS = {
    "lenet5": {"label": "LeNet-5", "batch": 64, "shape": (1, 28, 28), "create": LeNet5},
    "resnet20": {"label": "ResNet-20", "batch": 32, "shape": (3, 32, 32), "create": ResNet20},
}

# Warm-up (excluded) and timed steps; ResNet-20 training is the slow one.
SCHEDULE = {
    ("lenet5", "training"): (5, 30),
    ("lenet5", "inference"): (5, 30),
    ("resnet20", "training"): (3, 10),
    ("resnet20", "inference"): (3, 20),
}


def time_steps(step, warmup, timed):
    for _ in range(warmup):
        step()
    durations = []
    for _ in range(timed):
        start = time.perf_counter()
        step()
        durations.append((time.perf_counter() - start) * 1000)
    return statistics.median(durations)


def measure(model_name, threads, layout):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    spec = MODELS[model_name]
    memory_format = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    network = spec["create"]().to(memory_format=memory_format)
    images = torch.randn(spec["batch"], *spec["shape"]).contiguous(memory_format=memory_format)
    labels = torch.randint(0, 10, (spec["batch"],))
    optimizer = torch.optim.SGD(network.parameters(), lr=0.01, momentum=0.9)

    def training_step():
        network.train()
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(network(images), labels)
        loss.backward()
        optimizer.step()
        loss.item()

    def inference_step():
        network.eval()
        with torch.no_grad():
            network(images).sum().item()

    inference_ms = time_steps(inference_step, *SCHEDULE[(model_name, "inference")])
    training_ms = time_steps(training_step, *SCHEDULE[(model_name, "training")])
    return {
        "model": spec["label"],
        "key": model_name,
        "batch": spec["batch"],
        "threads": threads,
        "layout": layout,
        "training_ms": training_ms,
        "training_img_s": spec["batch"] * 1000 / training_ms,
        "inference_ms": inference_ms,
        "inference_img_s": spec["batch"] * 1000 / inference_ms,
        "timed_steps": [SCHEDULE[(model_name, "training")][1], SCHEDULE[(model_name, "inference")][1]],
    }


def blas_libraries():
    """Shared BLAS/oneDNN libraries mapped into this process (which implementation torch's matmuls use)."""
    try:
        with open("/proc/self/maps") as maps:
            names = {line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line or "dnnl" in line or "mkl" in line}
        return sorted(name for name in names if name.endswith(".so") or ".so." in name)
    except OSError:
        return []


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--layouts", default="nchw,channels_last")
    parser.add_argument("--models", default="lenet5,resnet20")
    options = parser.parse_args()
    results = []
    for model_name in options.models.split(","):
        for threads in [int(value) for value in options.threads.split(",")]:
            for layout in options.layouts.split(","):
                print(f"pytorch: {model_name}, {threads} thread(s), {layout} …", file=sys.stderr)
                results.append(measure(model_name, threads, layout))
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "python": platform.python_version(),
                "mkldnn": torch.backends.mkldnn.is_available(),
                "blas": blas_libraries(),
                "openblasEnv": {key: os.environ.get(key) for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
                "loadAverage": list(os.getloadavg()),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
