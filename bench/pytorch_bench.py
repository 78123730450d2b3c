#!/usr/bin/env python3
"""PyTorch CPU reference for bench/throughput.mjs: images/s of LeNet-5, ResNet-20 and the capsule networks, training and inference.

Same models, batch sizes, loss and optimizer as the tfjs bench (see bench/README.md): LeNet-5 at batch 64
on 1x28x28, ResNet-20 as packages/runtime/src/models/resnet.ts builds it at batch 32 on 3x32x32; a training
step is SGD + momentum (0.01, 0.9) on softmax cross-entropy with batch norm in training mode and the loss
read back; inference is eval mode under no_grad. The capsule networks (capsnet-sr1, -sr2, -dr1, -em1, -avgpool) are
@core/srcaps's srcaps:capsnet as examples/srcaps-fashion.yaml configures it, at batch 64 on 1x28x28. Each configuration (threads x memory format) runs its
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


def unfold_capsules(grid, types, size, kernel, stride, padding):
    """[b, A*X, H, W] -> [k*k*A, b*H'*W', X], row (ky*k + kx)*A + a: the layout of @core/srcaps's unfoldCapsules."""
    batch = grid.shape[0]
    patches = F.unfold(grid, kernel, padding=padding, stride=stride)  # [b, A*X*kk, L], channel-major
    positions = patches.shape[-1]
    patches = patches.view(batch, types, size, kernel * kernel, positions).permute(3, 1, 0, 4, 2)
    return patches.reshape(kernel * kernel * types, batch * positions, size)


class SelfRouting2d(nn.Module):
    """Self-routing (Hahn et al. 2019) as packages/srcaps/src/self-routing.ts computes it; pose_size 0: class layer."""

    def __init__(self, types, capsules, size, pose_size, kernel, stride=1, padding=0):
        super().__init__()
        rows = kernel * kernel * types
        self.shape = (types, capsules, size, pose_size, kernel, stride, padding)
        self.route = nn.Parameter(torch.zeros(rows, capsules, size))
        self.route_bias = nn.Parameter(torch.zeros(rows, 1, capsules))
        self.pose = nn.Parameter(torch.empty(rows, capsules * pose_size, size).uniform_(-1, 1) * (6 / (capsules * pose_size * size)) ** 0.5) if pose_size else None

    def forward(self, activations, poses):
        types, capsules, size, pose_size, kernel, stride, padding = self.shape
        batch, _, height, width = activations.shape
        out_height = (height + 2 * padding - kernel) // stride + 1
        out_width = (width + 2 * padding - kernel) // stride + 1
        u = unfold_capsules(poses, types, size, kernel, stride, padding)
        a = unfold_capsules(activations, types, 1, kernel, stride, padding)
        routing = torch.softmax(torch.matmul(u, self.route.transpose(1, 2)) + self.route_bias, dim=-1)
        weighted = a * routing
        weighted_sum = weighted.sum(0)
        out_activations = (weighted_sum / (a.sum(0) + 1e-8)).view(batch, out_height, out_width, capsules).permute(0, 3, 1, 2)
        if self.pose is None:
            return out_activations, None
        predictions = torch.matmul(u, self.pose.transpose(1, 2)).view(u.shape[0], u.shape[1], capsules, pose_size)
        out_poses = (weighted.unsqueeze(-1) * predictions).sum(0) / (weighted_sum.unsqueeze(-1) + 1e-8)
        return out_activations, out_poses.reshape(batch, out_height, out_width, -1).permute(0, 3, 1, 2)


def squash(vectors, dim=-1):
    squared = (vectors**2).sum(dim, keepdim=True)
    return vectors * squared / ((1 + squared) * torch.sqrt(squared + 1e-12))


class DynamicRoutingClass(nn.Module):
    """Class capsules with 3 iterations of routing by agreement over the whole grid (kernel = grid)."""

    def __init__(self, types, capsules, size, grid, iterations=3):
        super().__init__()
        rows = grid * grid * types
        self.shape = (types, capsules, size, grid, iterations)
        self.pose = nn.Parameter(torch.empty(rows, capsules * size, size).uniform_(-1, 1) * (6 / (capsules * size * size)) ** 0.5)

    def forward(self, poses):
        types, capsules, size, grid, iterations = self.shape
        u = unfold_capsules(poses, types, size, grid, 1, 0)
        votes = torch.matmul(u, self.pose.transpose(1, 2)).view(u.shape[0], u.shape[1], capsules, size).transpose(0, 1)
        logits = votes.new_zeros(votes.shape[:3])
        for iteration in range(iterations):
            outputs = squash((torch.softmax(logits, dim=2).unsqueeze(-1) * votes).sum(1))
            if iteration < iterations - 1:
                logits = logits + (votes * outputs.unsqueeze(1)).sum(-1)
        lengths = outputs.norm(dim=-1)
        return lengths / lengths.sum(1, keepdim=True)


class EmRoutingClass(nn.Module):
    """Class capsules with 3 EM iterations over the whole grid, m x m pose matrices, as em-routing.ts."""

    def __init__(self, types, capsules, size, grid, iterations=3, final_lambda=0.01):
        super().__init__()
        self.matrix = int(round(size**0.5))
        rows = grid * grid * types
        self.shape = (types, capsules, size, grid, iterations, final_lambda)
        self.pose = nn.Parameter(torch.empty(rows, capsules, self.matrix, self.matrix).uniform_(-1, 1) * (6 / (capsules * size)) ** 0.5)
        self.beta_u = nn.Parameter(torch.zeros(capsules, 1))
        self.beta_a = nn.Parameter(torch.zeros(capsules))

    def forward(self, activations, poses):
        types, capsules, size, grid, iterations, final_lambda = self.shape
        m = self.matrix
        u = unfold_capsules(poses, types, size, grid, 1, 0)
        a = unfold_capsules(activations, types, 1, grid, 1, 0)
        rows, positions = u.shape[:2]
        votes = torch.matmul(u.view(rows, positions, 1, m, m), self.pose.unsqueeze(1)).view(rows, positions, capsules, size)
        responsibilities = votes.new_ones(rows, positions, capsules)
        for iteration in range(iterations):
            lam = final_lambda * (1 - 0.95 ** (iteration + 1))
            weighted = responsibilities * a
            weighted_sum = weighted.sum(0)
            coefficients = (weighted / (weighted_sum + 1e-8)).unsqueeze(-1)
            mean = (coefficients * votes).sum(0, keepdim=True)
            deviation = (votes - mean) ** 2
            variance = (coefficients * deviation).sum(0, keepdim=True) + 1e-8
            cost = (self.beta_u + 0.5 * torch.log(variance[0])) * weighted_sum.unsqueeze(-1)
            out_activations = torch.sigmoid(lam * (self.beta_a - cost.sum(-1)))
            if iteration < iterations - 1:
                log_density = -(0.5 * torch.log(2 * torch.pi * variance).sum(-1) + (deviation / (2 * variance)).sum(-1))
                responsibilities = torch.softmax(log_density + torch.log(out_activations + 1e-8), dim=-1)
        return out_activations / out_activations.sum(1, keepdim=True)


def conv_bn(in_channels, out_channels, stride):
    return [nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False), nn.BatchNorm2d(out_channels)]


class CapsNet(nn.Module):
    """srcaps:capsnet as examples/srcaps-fashion.yaml configures it: backbone 3x3 conv 16-32-32 (strides 1-2-2,
    BN, ReLU; 28x28 -> 7x7), 8 capsule types; heads sr1 / sr2 (C = 8), dr1 (C = 8), em1 (2x2 pose matrices),
    avgpool. Outputs log class probabilities (logits for avgpool), trained with cross-entropy as the tfjs bench."""

    def __init__(self, head, filters=(16, 32, 32), types=8, num_classes=10):
        super().__init__()
        self.head = head
        size = 4 if head == "em1" else 8
        self.size = size
        self.backbone = nn.Sequential(*conv_bn(1, filters[0], 1), nn.ReLU(), *conv_bn(filters[0], filters[1], 2), nn.ReLU(), *conv_bn(filters[1], filters[2], 2), nn.ReLU())
        if head == "avgpool":
            self.logits = nn.Linear(filters[2], num_classes)
            return
        self.primary_poses = nn.Sequential(*conv_bn(filters[2], types * size, 1))
        if head == "dr1":
            self.classes = DynamicRoutingClass(types, num_classes, size, 7)
            return
        self.primary_activations = nn.Sequential(*conv_bn(filters[2], types, 1), nn.Sigmoid())
        grid = 7
        if head == "sr2":
            self.middle = SelfRouting2d(types, types, size, size, 3, 2, 1)
            self.middle_bn = nn.BatchNorm2d(types * size)
            grid = 4
        self.classes = EmRoutingClass(types, num_classes, size, grid) if head == "em1" else SelfRouting2d(types, num_classes, size, 0, grid)

    def forward(self, x):
        features = self.backbone(x)
        if self.head == "avgpool":
            return self.logits(torch.flatten(F.adaptive_avg_pool2d(features, 1), 1))
        poses = self.primary_poses(features)
        if self.head == "dr1":
            b, c, h, w = poses.shape
            poses = squash(poses.view(b, c // self.size, self.size, h, w), dim=2).view(b, c, h, w)
            probabilities = self.classes(poses)
        else:
            activations = self.primary_activations(features)
            if self.head == "sr2":
                activations, poses = self.middle(activations, poses)
                poses = self.middle_bn(poses)
            if self.head == "em1":
                probabilities = self.classes(activations, poses)
            else:
                probabilities = self.classes(activations, poses)[0].flatten(1)
        return torch.log(probabilities.clamp_min(1e-12))


MODELS = {
    "lenet5": {"label": "LeNet-5", "batch": 64, "shape": (1, 28, 28), "create": LeNet5},
    "resnet20": {"label": "ResNet-20", "batch": 32, "shape": (3, 32, 32), "create": ResNet20},
    **{
        f"capsnet-{head}": {"label": f"capsnet {head}", "batch": 64, "shape": (1, 28, 28), "create": (lambda head=head: CapsNet(head))}
        for head in ("sr1", "sr2", "dr1", "em1", "avgpool")
    },
}

# Warm-up (excluded) and timed steps; ResNet-20 training is the slow one.
SCHEDULE = {
    ("lenet5", "training"): (5, 30),
    ("lenet5", "inference"): (5, 30),
    ("resnet20", "training"): (3, 10),
    ("resnet20", "inference"): (3, 20),
    **{(f"capsnet-{head}", task): (2, 5) for head in ("sr1", "sr2", "dr1", "em1", "avgpool") for task in ("training", "inference")},
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
