#!/usr/bin/python3
"""PyTorch reference for `tailor bench train`: the same Llama shape, method, batch and step.

The model is written out in torch.nn (transformers is not needed) to match Tailor's Llama:
token embedding, per block RMSNorm -> q/k/v projections -> RoPE (rotate-half, as transformers)
-> grouped-query causal attention -> o_proj, residual; RMSNorm -> SwiGLU MLP, residual; final
RMSNorm and an LM head tied to the embedding. LoRA is a hand-written module beside each frozen
block Linear (all-linear: q, k, v, o, gate, up, down; the head is not adapted), rank r, alpha 2r.

One step, as Tailor's trainer runs it: forward on random tokens, mean cross-entropy of the next
token, backward, clip_grad_norm_(1.0), AdamW(lr 1e-4, weight decay 0), zero_grad. One untimed
warm-up step, then --steps timed steps; prints one JSON line with the median.

Run with Debian's torch 1.13 (CPU, OpenBLAS): /usr/bin/python3 bench/torch_train.py --preset smollm2-135m
Thread settings: --threads N (torch.set_num_threads); OMP_WAIT_POLICY and OPENBLAS_NUM_THREADS
come from the environment and are echoed in the output.
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# vocab, hidden, intermediate, layers, heads, kv heads, rms eps, rope theta (as Tailor's Presets)
PRESETS = {
    "tiny": (256, 64, 172, 2, 4, 2, 1e-5, 10000.0),
    "smollm2-135m": (49152, 576, 1536, 30, 9, 3, 1e-5, 100000.0),
    "qwen2.5-0.5b": (151936, 896, 4864, 24, 14, 2, 1e-6, 1000000.0),
}


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class LoraLinear(nn.Module):
    """y = base(x) + (alpha / r) * B(A(x)); the base is frozen."""

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.empty(r, base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + F.linear(F.linear(x, self.a), self.b) * self.scale


def rope_tables(head_dim, seq, theta):
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    freqs = torch.outer(torch.arange(seq, dtype=torch.float32), inv)  # (T, D/2)
    emb = torch.cat([freqs, freqs], dim=-1)                              # (T, D)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


class Block(nn.Module):
    def __init__(self, c, inter, heads, kv_heads, eps):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, c // heads
        d = self.head_dim
        self.input_layernorm = RMSNorm(c, eps)
        self.q_proj = nn.Linear(c, heads * d, bias=False)
        self.k_proj = nn.Linear(c, kv_heads * d, bias=False)
        self.v_proj = nn.Linear(c, kv_heads * d, bias=False)
        self.o_proj = nn.Linear(heads * d, c, bias=False)
        self.post_attention_layernorm = RMSNorm(c, eps)
        self.gate_proj = nn.Linear(c, inter, bias=False)
        self.up_proj = nn.Linear(c, inter, bias=False)
        self.down_proj = nn.Linear(inter, c, bias=False)

    def attention(self, x, cos, sin, mask):
        b, t, _ = x.shape
        d = self.head_dim
        q = self.q_proj(x).view(b, t, self.heads, d).transpose(1, 2)      # (B, H, T, D)
        k = self.k_proj(x).view(b, t, self.kv_heads, d).transpose(1, 2)   # (B, KVH, T, D)
        v = self.v_proj(x).view(b, t, self.kv_heads, d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = self.heads // self.kv_heads
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d)) + mask  # (B, H, T, T)
        y = torch.softmax(scores, dim=-1) @ v                              # (B, H, T, D)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.heads * d))

    def forward(self, x, cos, sin, mask):
        h = x + self.attention(self.input_layernorm(x), cos, sin, mask)
        z = self.post_attention_layernorm(h)
        return h + self.down_proj(F.silu(self.gate_proj(z)) * self.up_proj(z))


class Llama(nn.Module):
    def __init__(self, vocab, c, inter, layers, heads, kv_heads, eps, theta, seq):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, c)
        self.layers = nn.ModuleList([Block(c, inter, heads, kv_heads, eps) for _ in range(layers)])
        self.norm = RMSNorm(c, eps)
        cos, sin = rope_tables(c // heads, seq, theta)
        self.register_buffer("cos", cos)
        self.register_buffer("sin", sin)
        self.register_buffer("mask", torch.full((seq, seq), float("-inf")).triu(1))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return F.linear(self.norm(x), self.embed_tokens.weight)  # tied head: (B, T, V)


def build(args):
    vocab, c, inter, layers, heads, kv, eps, theta = PRESETS[args.preset]
    model = Llama(vocab, c, inter, layers, heads, kv, eps, theta, args.seq)
    if args.method == "full":
        return model, list(model.parameters())
    for p in model.parameters():
        p.requires_grad_(False)
    names = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    if args.targets != "all-linear":
        names = args.targets.split(",")
    for block in model.layers:
        for n in names:
            setattr(block, n, LoraLinear(getattr(block, n), args.rank, 2 * args.rank))
    return model, [p for p in model.parameters() if p.requires_grad]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="smollm2-135m", choices=sorted(PRESETS))
    ap.add_argument("--method", default="lora", choices=["lora", "full"])
    ap.add_argument("--targets", default="all-linear")
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--foreach", action="store_true", help="AdamW(foreach=True): one fused loop over all tensors")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, params = build(args)
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0, foreach=args.foreach)
    vocab = PRESETS[args.preset][0]
    times, loss = [], float("nan")
    for s in range(args.steps + 1):
        ids = torch.randint(0, vocab, (args.batch, args.seq))
        t0 = time.perf_counter()
        logits = model(ids)
        loss_t = F.cross_entropy(logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
        loss_t.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss = loss_t.item()
        if s > 0:
            times.append(time.perf_counter() - t0)
    step_s = statistics.median(times)
    print(json.dumps({"tokens_per_s": round(args.batch * args.seq / step_s, 2), "step_s": round(step_s, 4),
                      "step_s_min": round(min(times), 4), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "loss": round(loss, 4), "threads": args.threads, "foreach": args.foreach,
                      "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
                      "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", ""), "torch": torch.__version__},
                     separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
