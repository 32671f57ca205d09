#!/usr/bin/env python3
"""PyTorch + peft anchor for benchmarks/lora_step.cpp: the same Qwen2 GGUF (transformers dequantises
it to float32), the same LoRA (rank, alpha, no dropout, q,v or all 7 projections; peft's own init),
the same step (zero_grad, loss on the last token or the last half, clip_grad_norm_ 1.0, AdamW lr
1e-4 decay 0.01 on the adapters), the same scoring (logits at the last position of each sequence),
the same token ids (the LCG of lora_step.cpp), the same threads. One JSON line per configuration,
with the keys the C++ benchmark prints.

The LM head runs only where the loss or the score needs it (`logits_to_keep`, as gpta does): the
strongest plain transformers + peft recipe, not the naive one that builds [B x T x 151936] logits
(--full-logits measures that one). No gradient checkpointing (transformers' default);
--grad-ckpt turns it on (gpta recomputes each layer in its backward pass).

    python lora_step_torch.py --model FILE.gguf [--batch 4] [--configs 64:qv:last,128:qv:last]
        [--steps 5] [--warmup 3] [--score-reps 3] [--rank 8] [--alpha 16] [--threads N]
Measured with peft 0.21.2, transformers 5.24.0, torch 2.15.0 (scripts/bench_lora.sh pins them).
"""
import argparse
import ctypes
import gc
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import transformers
import peft
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM


def make_ids(batch: int, seq: int):
    """lora_step.cpp's generator: Knuth's MMIX LCG, ids in [1000, 151000)."""
    s, mask = 42, (1 << 64) - 1
    rows, checksum = [], 0
    for _ in range(batch):
        row = []
        for t in range(seq):
            s = (s * 6364136223846793005 + 1442695040888963407) & mask
            row.append(1000 + (s >> 33) % 150000)
            checksum = (checksum + row[-1] * (t + 1)) & mask
        rows.append(row)
    return torch.tensor(rows, dtype=torch.long), checksum


def status_mb(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return float(line.split()[1]) / 1024.0
    return -1.0


def reset_peak() -> bool:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def cpu_info():
    model, flags = "unknown", ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                want = ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile"]
                have = set(line.split(":", 1)[1].split())
                flags = " ".join(w for w in want if w in have)
                break
    return model, flags


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--configs", default="64:qv:last,128:qv:last")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--score-reps", type=int, default=3)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--full-logits", action="store_true", help="labels= over [B x T x V] logits (the naive recipe)")
    ap.add_argument("--grad-ckpt", action="store_true", help="gradient checkpointing (recompute each layer)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cpu, flags = cpu_info()

    t0 = time.perf_counter()
    folder, name = os.path.split(os.path.abspath(a.model))
    base = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    base.config.use_cache = False
    load_s = time.perf_counter() - t0
    load_peak = status_mb("VmHWM:")
    print(f"torch: loaded in {load_s:.1f} s, peak {load_peak:.0f} MB, attention {base.config._attn_implementation}",
          file=sys.stderr)
    impl = f"torch {torch.__version__.split('+')[0]} peft {peft.__version__}"
    if a.full_logits:
        impl += " full-logits"
    if a.grad_ckpt:
        impl += " grad-ckpt"

    for item in a.configs.split(","):
        if not item:
            continue
        seq_s, modules, loss_kind = item.split(":")
        seq = int(seq_s)
        ids, checksum = make_ids(a.batch, seq)
        first = seq - 1 if loss_kind == "last" else seq // 2  # first target token (index into ids)
        targets = ids[:, first:]
        labels = torch.full_like(ids, -100)
        labels[:, first:] = targets

        peak_reset = reset_peak()
        target_modules = ["q_proj", "v_proj"] if modules == "qv" else \
            ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        cfg = LoraConfig(r=a.rank, lora_alpha=a.alpha, lora_dropout=0.0, target_modules=target_modules,
                         bias="none", task_type="CAUSAL_LM")
        model = get_peft_model(base, cfg)
        if a.grad_ckpt:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
            model.enable_input_require_grads()
        params = [p for p in model.parameters() if p.requires_grad]
        trainable = sum(p.numel() for p in params)
        opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01, eps=1e-8)

        def step() -> float:
            opt.zero_grad(set_to_none=True)
            if a.full_logits:
                loss = model(input_ids=ids, labels=labels, use_cache=False).loss
            else:
                # logits at positions first-1 .. seq-2 predict ids[first:]; keep seq-first+1, drop the last.
                logits = model(input_ids=ids, use_cache=False, logits_to_keep=seq - first + 1).logits[:, :-1]
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            return loss.item()

        model.train()
        first_loss = None
        for i in range(a.warmup):
            l = step()
            if i == 0:
                first_loss = l
        train_times, loss_sum = [], 0.0
        for i in range(a.steps):
            t0 = time.perf_counter()
            l = step()
            train_times.append(time.perf_counter() - t0)
            if first_loss is None:
                first_loss = l
            loss_sum += l

        model.eval()
        score_times, sink = [], 0.0
        with torch.inference_mode():
            model(input_ids=ids, use_cache=False, logits_to_keep=1)
            for _ in range(a.score_reps):
                t0 = time.perf_counter()
                z = model(input_ids=ids, use_cache=False, logits_to_keep=1).logits[:, -1]
                score_times.append(time.perf_counter() - t0)
                sink += float(z[0, 0])
        print(f"torch {item} checksums {loss_sum:g} {sink:g}", file=sys.stderr)
        phase_peak = status_mb("VmHWM:") if peak_reset else -1.0
        # clear_refs resets ru_maxrss too: the process peak is the larger of the load peak and it.
        rss = max(load_peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
        train_s, score_s = statistics.median(train_times), statistics.median(score_times)
        print(json.dumps({
            "impl": impl, "batch": a.batch, "seq": seq, "modules": modules, "loss": loss_kind, "rank": a.rank,
            "alpha": a.alpha, "threads": torch.get_num_threads(), "trainable": trainable, "ids_checksum": checksum,
            "first_loss": first_loss,
            "train_steps_per_s": 1.0 / train_s, "train_steps_per_s_best": 1.0 / min(train_times),
            "train_tokens_per_s": a.batch * seq / train_s,
            "score_seqs_per_s": a.batch / score_s, "score_seqs_per_s_best": a.batch / min(score_times),
            "load_s": load_s, "load_peak_rss_mb": load_peak, "phase_peak_rss_mb": phase_peak, "peak_rss_mb": rss,
            "peak_reset": peak_reset, "cpu": cpu, "cpu_flags": flags, "steps": a.steps, "warmup": a.warmup,
            "versions": f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}",
        }), flush=True)

        # Back to the plain base model for the next configuration (peft injected the adapters in place).
        if a.grad_ckpt:
            model.gradient_checkpointing_disable()
        base = model.unload()
        del model, opt, params
        gc.collect()


if __name__ == "__main__":
    main()
