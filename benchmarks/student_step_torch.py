#!/usr/bin/env python3
"""PyTorch anchor for benchmarks/student_step.cpp: the same MiniLM weights, the same head (mean
pooling -> dropout -> linear), the same optimiser recipe (AdamW without decay on bias/LayerNorm,
linear schedule, global-norm clipping at 1.0), the same batch shape and thread count. Prints one
JSON line with the keys the C++ benchmark prints.

    python student_step_torch.py --model DIR [--batch 16] [--seq 64] [--steps 10] [--warmup 2]
                                 [--infer-reps 10] [--threads N]
"""
import argparse
import json
import resource
import statistics
import time

import torch
from transformers import BertModel


class MeanPoolClassifier(torch.nn.Module):
    def __init__(self, model_dir: str, labels: int = 2, dropout: float = 0.1):
        super().__init__()
        self.bert = BertModel.from_pretrained(model_dir, add_pooling_layer=False)
        self.dropout = torch.nn.Dropout(dropout)
        self.classifier = torch.nn.Linear(self.bert.config.hidden_size, labels)

    def forward(self, input_ids, attention_mask):
        h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1)
        return self.classifier(self.dropout(pooled))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--infer-reps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    model = MeanPoolClassifier(a.model)
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=2e-5, eps=1e-8)
    total = a.warmup + a.steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / total))
    g = torch.Generator().manual_seed(42)
    ids = torch.randint(1000, 29000, (a.batch, a.seq), generator=g)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = torch.ones_like(ids)
    labels = torch.randint(0, 2, (a.batch,), generator=g)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(ids, mask), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        return loss.item()

    # Each step timed on its own: median = typical step, min = least disturbed by other load.
    model.train()
    for _ in range(a.warmup):
        step()
    train_times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        train_times.append(time.perf_counter() - t0)

    model.eval()
    infer_times = []
    with torch.inference_mode():
        for _ in range(2):
            model(ids, mask)
        for _ in range(a.infer_reps):
            t0 = time.perf_counter()
            model(ids, mask)
            infer_times.append(time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    train_s, infer_s = statistics.median(train_times), statistics.median(infer_times)

    print(json.dumps({
        "impl": "torch " + torch.__version__,
        "batch": a.batch, "seq": a.seq, "threads": torch.get_num_threads(),
        "train_steps_per_s": 1.0 / train_s, "train_steps_per_s_best": 1.0 / min(train_times),
        "train_examples_per_s": a.batch / train_s, "infer_examples_per_s": a.batch / infer_s,
        "infer_examples_per_s_best": a.batch / min(infer_times), "peak_rss_mb": rss,
    }))


if __name__ == "__main__":
    main()
