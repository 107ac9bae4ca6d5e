"""Run an mpsl4j model in PyTorch.

A trained mpsl4j run writes two safetensors files into its results folder:

* ``server.safetensors``: the server part, ``encoder.*`` and ``head.*``;
* ``tokenizers.safetensors``: the client tokenizers averaged over the clients (FedAvg), ``<input>.*``.

Both carry the model's layout as JSON in their metadata (key ``mpsl4j.layout``), with the class names in label
order. This module rebuilds the same forward pass from that layout and loads both files into one ``torch.nn.Module``::

    import mpsl4j_torch
    model = mpsl4j_torch.load("results/simulate-20261203-120000")
    logits = model({"image": images})                 # images: float (B, C, H, W), normalized as in training
    print(model.classes[int(logits.argmax(-1)[0])])

The details that a re-implementation gets wrong, all taken from the layout and matching the Java code:

* LayerNorm epsilon is the encoder's: 1e-12 for the MiniLM (BERT) encoder, 1e-6 for the scratch (ViT) encoder, and
  the same in the tokenizers and the head.
* GELU is the exact one (erf), ``nn.GELU()``, not the tanh approximation.
* Blocks are post-norm for MiniLM (``x = norm1(x + attn(x)); x = norm2(x + mlp(x))``, no final norm) and pre-norm
  for the scratch encoder (``x = x + attn(norm1(x)); x = x + mlp(norm2(x))``, then ``encoder.norm``).
* Attention uses one fused ``qkv`` projection whose output rows are q, k, v (each ``width`` wide), split into heads
  as ``(B, T, 3, heads, head_dim)``; q is scaled by ``1/sqrt(head_dim)`` before ``q @ k^T``. Padding keys get
  ``-1e9`` added to their scores.
* Patch tokenizers (image, audio, sensor): a convolution with stride = kernel = patch, flattened to tokens; the CLS
  token is put in front of the patches *before* the position embedding is added (``pos_embed`` has patches + 1
  rows), then LayerNorm. Text: word + position + token-type (all type 0) embeddings, then LayerNorm; the ids start
  with their own [CLS].
* Fusion ``early`` concatenates all modalities' tokens for one encoder pass; ``late`` encodes each alone. Pooling
  ``cls`` takes each modality's first token (its CLS) and averages over modalities; ``mean`` averages the real
  (unmasked) tokens.
* The head is LayerNorm then Linear; a projection head L2-normalizes its output and scales it by exp(logitScale / 2).

Needs only ``torch`` (Debian: ``apt-get install python3-torch``); the safetensors files are read here directly so
that the ``safetensors`` package is not needed either.
"""

import json
import math
import os
import struct

import torch
from torch import nn

LAYOUT_KEY = "mpsl4j.layout"
MASK_VALUE = -1e9
_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "F16": torch.float16}


def read_safetensors(path):
    """Returns (tensors by name, metadata dict) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    data = raw[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        t = torch.frombuffer(bytearray(data[start:end]), dtype=dtype) if end > start else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"])
    return tensors, meta


def write_safetensors(path, tensors, metadata=None):
    """Writes float32/int64 tensors as a safetensors file (for handing results back to Java)."""
    names = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64", torch.int32: "I32"}
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class PatchTokenizer(nn.Module):
    """Image and audio (2-D patches) or sensor (1-D patches): conv, CLS in front, position embedding, LayerNorm."""

    def __init__(self, spec, width, eps):
        super().__init__()
        channels, patch = spec["input_shape"][0], spec["patch"]
        conv = nn.Conv1d if spec["kind"] == "sensor" else nn.Conv2d
        self.proj = conv(channels, width, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
        self.pos_embed = nn.Parameter(torch.zeros(1, spec["tokens"], width))
        self.norm = nn.LayerNorm(width, eps=eps)

    def forward(self, x, mask=None):
        p = self.proj(x)
        p = p.reshape(p.shape[0], p.shape[1], -1).transpose(1, 2)
        cls = self.cls_token.expand(p.shape[0], -1, -1)
        return self.norm(torch.cat([cls, p], dim=1) + self.pos_embed), None


class TextTokenizer(nn.Module):
    """BERT embeddings: word + position + token type 0, then LayerNorm; input ids (B, L) with their own [CLS]."""

    POSITIONS = 512

    def __init__(self, spec, width, eps):
        super().__init__()
        self.word_embeddings = nn.Embedding(spec["vocab"], width)
        self.position_embeddings = nn.Embedding(self.POSITIONS, width)
        self.token_type_embeddings = nn.Embedding(2, width)
        self.norm = nn.LayerNorm(width, eps=eps)

    def forward(self, ids, mask=None):
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.word_embeddings(ids) + self.position_embeddings(positions) \
            + self.token_type_embeddings(torch.zeros_like(ids))
        return self.norm(x), None if mask is None else mask.float()


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads, self.head_dim = heads, width // heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x, additive_mask):
        b, t, _ = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q = qkv[0] * (1.0 / math.sqrt(self.head_dim))
        scores = q @ qkv[1].transpose(-2, -1)
        if additive_mask is not None:
            scores = scores + additive_mask
        context = scores.softmax(-1) @ qkv[2]
        return self.proj(context.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class Mlp(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.act = nn.GELU()  # exact (erf)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, enc):
        super().__init__()
        w, eps = enc["width"], enc["layer_norm_eps"]
        self.pre = enc["norm"] == "pre"
        self.norm1 = nn.LayerNorm(w, eps=eps)
        self.attn = Attention(w, enc["heads"])
        self.norm2 = nn.LayerNorm(w, eps=eps)
        self.mlp = Mlp(w, enc["mlp_hidden"])

    def forward(self, x, additive_mask):
        if self.pre:
            x = x + self.attn(self.norm1(x), additive_mask)
            return x + self.mlp(self.norm2(x))
        x = self.norm1(x + self.attn(x, additive_mask))
        return self.norm2(x + self.mlp(x))


class Encoder(nn.Module):
    def __init__(self, enc):
        super().__init__()
        self.blocks = nn.ModuleList([Block(enc) for _ in range(enc["depth"])])
        self.norm = nn.LayerNorm(enc["width"], eps=enc["layer_norm_eps"]) if enc["norm"] == "pre" else None

    def forward(self, x, mask=None):
        additive = None
        if mask is not None:
            additive = ((1.0 - mask.float()) * MASK_VALUE)[:, None, None, :]
        for block in self.blocks:
            x = block(x, additive)
        return x if self.norm is None else self.norm(x)


class Head(nn.Module):
    def __init__(self, head, width, eps):
        super().__init__()
        self.projection = head["kind"] == "projection"
        self.norm = nn.LayerNorm(width, eps=eps) if head["norm"] else None
        self.fc = nn.Linear(width, head["outputs"])
        # ln s, CLIP's learned inverse temperature: a projection head's unit outputs are scaled by sqrt(s).
        self.logitScale = nn.Parameter(torch.zeros(1)) if self.projection else None

    def forward(self, pooled):
        x = pooled if self.norm is None else self.norm(pooled)
        out = self.fc(x)
        if self.projection:
            out = out / out.square().sum(-1, keepdim=True).sqrt().clamp_min(1e-12)
            out = out * (self.logitScale.clamp_max(math.log(100.0)) / 2).exp()
        return out


class Mpsl4jModel(nn.Module):
    """The whole mpsl4j model (client tokenizers, server encoder and head) built from a layout dict.

    ``forward(inputs, masks=None)`` takes a dict input name -> tensor (pictures (B, C, H, W) float, log-mel
    (B, 1, mels, frames) float, sensor (B, C, L) float, text ids (B, L) int64) and, for text, a dict of padding masks
    (B, L), 1 = token, 0 = padding. Returns logits (B, classes).
    """

    def __init__(self, layout):
        super().__init__()
        self.layout = layout
        self.classes = list(layout.get("classes", []))
        enc = layout["encoder"]
        width, eps = enc["width"], enc["layer_norm_eps"]
        self.inputs = [t["input"] for t in layout["tokenizers"]]
        self.tokenizers = nn.ModuleDict({
            t["input"]: TextTokenizer(t, width, eps) if t["kind"] == "text" else PatchTokenizer(t, width, eps)
            for t in layout["tokenizers"]})
        self.encoder = Encoder(enc)
        self.head = Head(layout["head"], width, eps)
        self.fusion, self.pooling = layout["fusion"], layout["pooling"]

    def forward(self, inputs, masks=None):
        masks = masks or {}
        tokens = [self.tokenizers[name](inputs[name], masks.get(name)) for name in self.inputs]
        pooled = self._early(tokens) if self.fusion == "early" else self._late(tokens)
        return self.head(pooled)

    def _early(self, tokens):
        x = torch.cat([t for t, _ in tokens], dim=1)
        mask = None
        if any(m is not None for _, m in tokens):
            mask = torch.cat([m if m is not None else torch.ones(t.shape[:2]) for t, m in tokens], dim=1)
        encoded = self.encoder(x, mask)
        if self.pooling == "mean":
            return _mean_pool(encoded, mask)
        offsets, cls = 0, []
        for t, _ in tokens:
            cls.append(encoded[:, offsets])
            offsets += t.shape[1]
        return sum(cls) / len(cls) if len(cls) > 1 else cls[0]

    def _late(self, tokens):
        pooled = []
        for t, m in tokens:
            encoded = self.encoder(t, m)
            pooled.append(_mean_pool(encoded, m) if self.pooling == "mean" else encoded[:, 0])
        return sum(pooled) / len(pooled) if len(pooled) > 1 else pooled[0]


def _mean_pool(encoded, mask):
    if mask is None:
        return encoded.mean(1)
    m = mask.unsqueeze(-1)
    return (encoded * m).sum(1) / m.sum(1).clamp_min(1.0)


def load(model_dir):
    """The model in an mpsl4j results folder (server.safetensors + tokenizers.safetensors), in eval mode."""
    server, meta = read_safetensors(os.path.join(model_dir, "server.safetensors"))
    client, _ = read_safetensors(os.path.join(model_dir, "tokenizers.safetensors"))
    if LAYOUT_KEY not in meta:
        raise ValueError(model_dir + "/server.safetensors has no " + LAYOUT_KEY + " metadata: it was written by an"
                         " mpsl4j older than its Python module; train it again")
    model = Mpsl4jModel(json.loads(meta[LAYOUT_KEY]))
    state = {("tokenizers." + k): v for k, v in client.items()}
    state.update(server)
    model.load_state_dict(state, strict=True)
    return model.eval()


def export_onnx(model, path, batch=1):
    """Exports the model to ONNX (opset 13) with a dynamic batch axis; inputs named after the model's inputs, text
    masks as ``<input>_mask``, output ``logits``."""
    names, example, dynamic = [], [], {}
    for spec in model.layout["tokenizers"]:
        shape = [batch] + list(spec["input_shape"])
        if spec["kind"] == "text":
            example += [torch.zeros(shape, dtype=torch.int64), torch.ones(shape)]
            names += [spec["input"], spec["input"] + "_mask"]
        else:
            example.append(torch.zeros(shape))
            names.append(spec["input"])
    for n in names:
        dynamic[n] = {0: "batch"}
    dynamic["logits"] = {0: "batch"}

    class Flat(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *args):
            inputs, masks, i = {}, {}, 0
            for spec in self.inner.layout["tokenizers"]:
                inputs[spec["input"]] = args[i]
                i += 1
                if spec["kind"] == "text":
                    masks[spec["input"]] = args[i]
                    i += 1
            return self.inner(inputs, masks)

    torch.onnx.export(Flat(model).eval(), tuple(example), path, input_names=names, output_names=["logits"],
                      dynamic_axes=dynamic, opset_version=13)


def _main(argv):
    """Command line: ``logits MODEL_DIR INPUTS OUT`` (safetensors in, safetensors out: inputs by name, text masks as
    ``<input>_mask``) or ``onnx MODEL_DIR OUT.onnx``."""
    usage = "usage: mpsl4j_torch.py logits MODEL_DIR INPUTS.safetensors OUT.safetensors | onnx MODEL_DIR OUT.onnx"
    if len(argv) < 3:
        raise SystemExit(usage)
    model = load(argv[2])
    if argv[1] == "logits" and len(argv) == 5:
        tensors, _ = read_safetensors(argv[3])
        inputs = {n: tensors[n] for n in model.inputs}
        masks = {n: tensors[n + "_mask"] for n in model.inputs if n + "_mask" in tensors}
        with torch.no_grad():
            write_safetensors(argv[4], {"logits": model(inputs, masks).float()})
    elif argv[1] == "onnx" and len(argv) == 4:
        export_onnx(model, argv[3])
    else:
        raise SystemExit(usage)


if __name__ == "__main__":
    import sys
    torch.set_num_threads(int(os.environ.get("MPSL4J_THREADS", "1")))
    _main(sys.argv)
