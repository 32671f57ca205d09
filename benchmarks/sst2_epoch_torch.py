#!/usr/bin/env python3
"""PyTorch anchor for benchmarks/sst2_epoch.cpp: epochs of MiniLM fine-tuning on the same SST-2
rows (written by `gpta_bench_sst2_epoch --write-split`), batched as Hugging Face batches them:
DataCollatorWithPadding (each batch padded to its longest sequence) in a random order, or with
group_by_length's LengthGroupedSampler; then a dev evaluation, batches sorted by length (the
strongest anchor: HF's Trainer evaluates in dataset order). Same head, optimiser recipe, prefix,
truncation and threads as the C++ side; one JSON line with the same keys.

    python sst2_epoch_torch.py --model DIR --split FILE [--batch 16] [--eval-batch 64]
                               [--max-length 64] [--epochs 3] [--order random|length] [--threads N]
"""
import argparse
import json
import resource
import statistics
import time

import torch
from transformers import BertTokenizerFast, DataCollatorWithPadding
from transformers.trainer_pt_utils import LengthGroupedSampler

from student_step_torch import MeanPoolClassifier

PREFIX = "Classify the sentiment of this movie review as positive or negative."


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--split", required=True)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--eval-batch", type=int, default=64)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--order", choices=["random", "length"], default="random")
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    rows = [json.loads(line) for line in open(a.split, encoding="utf-8")]
    tok = BertTokenizerFast.from_pretrained(a.model)

    def encode(r):
        e = tok(PREFIX, r["text"], truncation="only_second", max_length=a.max_length)
        return {"input_ids": e["input_ids"], "token_type_ids": e["token_type_ids"],
                "attention_mask": e["attention_mask"], "labels": r["label"]}

    train = [encode(r) for r in rows if r["part"] == "train"]
    dev = [encode(r) for r in rows if r["part"] == "dev"]
    collate = DataCollatorWithPadding(tok)

    model = MeanPoolClassifier(a.model)
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=2e-5, eps=1e-8)
    loss_fn = torch.nn.CrossEntropyLoss()

    def batches(epoch):
        g = torch.Generator().manual_seed(epoch)
        if a.order == "length":
            order = list(LengthGroupedSampler(a.batch, lengths=[len(e["input_ids"]) for e in train], generator=g))
        else:
            order = torch.randperm(len(train), generator=g).tolist()
        return [order[i:i + a.batch] for i in range(0, len(order), a.batch)]

    def step(idx):
        b = collate([train[i] for i in idx])
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(b["input_ids"], b["attention_mask"]), b["labels"])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    dev_order = sorted(range(len(dev)), key=lambda i: len(dev[i]["input_ids"]))

    def evaluate():
        model.eval()
        correct = 0
        with torch.inference_mode():
            for i in range(0, len(dev_order), a.eval_batch):
                b = collate([dev[j] for j in dev_order[i:i + a.eval_batch]])
                pred = model(b["input_ids"], b["attention_mask"]).argmax(-1)
                correct += int((pred == b["labels"]).sum())
        model.train()
        return correct / len(dev)

    model.train()
    step(list(range(min(a.batch, len(train)))))  # warm-up, as the C++ side
    epoch_times, eval_times, acc, loss = [], [], 0.0, 0.0
    for e in range(a.epochs):
        t0 = time.perf_counter()
        for idx in batches(e + 1):
            loss += step(idx)
        epoch_times.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        acc = evaluate()
        eval_times.append(time.perf_counter() - t1)
    real = sum(len(e["input_ids"]) for e in train)
    computed = sum(len(idx) * max(len(train[i]["input_ids"]) for i in idx) for idx in batches(0))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        "impl": "torch " + torch.__version__, "layout": "padded", "order": a.order, "batch": a.batch,
        "max_length": a.max_length, "threads": torch.get_num_threads(), "train_rows": len(train),
        "dev_rows": len(dev), "epoch_s": statistics.median(epoch_times), "epoch_s_best": min(epoch_times),
        "eval_s": statistics.median(eval_times), "eval_s_best": min(eval_times),
        "real_tokens_per_epoch": real, "computed_tokens_per_epoch": computed, "dev_accuracy": acc,
        "peak_rss_mb": rss,
    }))


if __name__ == "__main__":
    main()
