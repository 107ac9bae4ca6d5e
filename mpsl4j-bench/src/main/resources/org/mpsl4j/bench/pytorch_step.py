"""B4 reference: one training step of the mpsl4j model shape in plain PyTorch.

Same layers, same op sequence, same loss and optimizer as mpsl4j's StepBenchmark: patch-conv tokenizer
(CLS + positional embedding + LayerNorm), pre- or post-norm transformer blocks (fused qkv, exact GELU
MLP), CLS pooling, LayerNorm + linear head, cross-entropy, Adam on every parameter. Prints one JSON line.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Tokenizer(nn.Module):
    def __init__(self, channels, size, patch, width, eps):
        super().__init__()
        self.proj = nn.Conv2d(channels, width, patch, stride=patch)
        tokens = (size // patch) ** 2 + 1
        self.cls_token = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, tokens, width) * 0.02)
        self.norm = nn.LayerNorm(width, eps=eps)

    def forward(self, x):
        p = self.proj(x).flatten(2).transpose(1, 2)
        cls = self.cls_token.expand(p.shape[0], -1, -1)
        return self.norm(torch.cat([cls, p], dim=1) + self.pos_embed)


class Block(nn.Module):
    def __init__(self, width, heads, mlp, pre, eps):
        super().__init__()
        self.heads, self.pre = heads, pre
        self.norm1 = nn.LayerNorm(width, eps=eps)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width, eps=eps)
        self.fc1 = nn.Linear(width, mlp)
        self.fc2 = nn.Linear(mlp, width)

    def attn(self, x):
        b, t, d = x.shape
        h = self.heads
        qkv = self.qkv(x).reshape(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * (1.0 / math.sqrt(d // h)), qkv[1], qkv[2]
        a = (q @ k.transpose(-2, -1)).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, t, d))

    def mlp(self, x):
        return self.fc2(F.gelu(self.fc1(x)))

    def forward(self, x):
        if self.pre:
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))
        x = self.norm1(x + self.attn(x))
        return self.norm2(x + self.mlp(x))


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        pre = c["pre_norm"]
        self.tok = Tokenizer(c["channels"], c["size"], c["patch"], c["width"], c["eps"])
        self.blocks = nn.ModuleList(
            [Block(c["width"], c["heads"], c["mlp"], pre, c["eps"]) for _ in range(c["depth"])])
        self.norm = nn.LayerNorm(c["width"], eps=c["eps"]) if pre else nn.Identity()
        self.head_norm = nn.LayerNorm(c["width"], eps=c["eps"])
        self.fc = nn.Linear(c["width"], c["classes"])

    def forward(self, x):
        x = self.tok(x)
        for b in self.blocks:
            x = b(x)
        return self.fc(self.head_norm(self.norm(x)[:, 0]))


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c["threads"])
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(1)
    model = Model(c)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.randn(c["batch"], c["channels"], c["size"], c["size"])
    y = torch.randint(0, c["classes"], (c["batch"],))
    fwd, train = [], []
    start = time.perf_counter()
    for i in range(-c["warmup"], c["iterations"]):
        if i >= 1 and time.perf_counter() - start > c["max_seconds"]:
            break  # a slow build (e.g. reference BLAS) must not hold up the suite
        t0 = time.perf_counter()
        with torch.no_grad():
            model(x)
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        t2 = time.perf_counter()
        if i >= 0:
            fwd.append(t1 - t0)
            train.append(t2 - t1)
    libs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                name = line.split()[-1]
                if any(k in name.lower() for k in ("blas", "mkl", "lapack", "gomp", "dnnl")):
                    libs.add(name)
    except OSError:
        pass
    blas = [k.split("=", 1)[1] for k in torch.__config__.show().replace(",", "\n").split() if k.startswith("BLAS_INFO=")]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blas_info": blas[0] if blas else "?", "libraries": sorted(libs),
                      "forward_median": median(fwd), "train_median": median(train),
                      "train_min": min(train), "train_max": max(train), "train": train}))


if __name__ == "__main__":
    main()
