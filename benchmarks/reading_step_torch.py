#!/usr/bin/env python3
"""PyTorch anchor for benchmarks/reading_step.cpp: the same MiniLM weights and the same heads as
gpta's reading students, the same optimiser recipe (AdamW without decay on bias/LayerNorm, linear
schedule, global-norm clipping at 1.0), the same batch shape and thread count. Prints one JSON line
with the keys the C++ benchmark prints.

  span:   BertForQuestionAnswering's head: a linear "qa_outputs" [2 x hidden] over every token,
          loss (CE(start) + CE(end)) / 2 (gpta::bert_span_student)
  choice: 4 option sequences per question, mean pooling -> dropout -> linear [1 x hidden], softmax
          over the options (gpta::bert_choice_student's default pooling; HF's BertForMultipleChoice
          pools [CLS] through a pooler gpta's MiniLM checkpoint does not train)

    python reading_step_torch.py --head span|choice --model DIR [--batch 16] [--seq 256]
                                 [--steps 5] [--warmup 1] [--infer-reps 5] [--threads N]
"""
import argparse
import json
import resource
import statistics
import time

import torch
from transformers import BertModel


class SpanHead(torch.nn.Module):
    def __init__(self, model_dir: str):
        super().__init__()
        self.bert = BertModel.from_pretrained(model_dir, add_pooling_layer=False)
        self.qa_outputs = torch.nn.Linear(self.bert.config.hidden_size, 2)

    def forward(self, ids, mask):
        h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        start, end = self.qa_outputs(h).split(1, dim=-1)
        return start.squeeze(-1), end.squeeze(-1)


class ChoiceHead(torch.nn.Module):
    def __init__(self, model_dir: str, options: int, dropout: float = 0.1):
        super().__init__()
        self.options = options
        self.bert = BertModel.from_pretrained(model_dir, add_pooling_layer=False)
        self.dropout = torch.nn.Dropout(dropout)
        self.scorer = torch.nn.Linear(self.bert.config.hidden_size, 1)

    def forward(self, ids, mask):  # ids: [questions * options, seq]
        h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1)
        return self.scorer(self.dropout(pooled)).view(-1, self.options)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--head", choices=["span", "choice"], required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--infer-reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    options = 4 if a.head == "choice" else 1
    model = SpanHead(a.model) if a.head == "span" else ChoiceHead(a.model, options)
    named = list(model.named_parameters())
    no_decay = [p for n, p in named if n.endswith("bias") or "LayerNorm" in n]
    decay = [p for n, p in named if not (n.endswith("bias") or "LayerNorm" in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-5, eps=1e-8)
    total = a.warmup + a.steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / total))
    g = torch.Generator().manual_seed(42)
    ids = torch.randint(1000, 29000, (a.batch * options, a.seq), generator=g)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = torch.ones_like(ids)
    ce = torch.nn.CrossEntropyLoss()
    if a.head == "span":
        starts = torch.randint(1, a.seq - 8, (a.batch,), generator=g)
        ends = starts + torch.randint(0, 5, (a.batch,), generator=g)

        def loss_of():
            s, e = model(ids, mask)
            return 0.5 * (ce(s, starts) + ce(e, ends))
    else:
        labels = torch.randint(0, options, (a.batch,), generator=g)

        def loss_of():
            return ce(model(ids, mask), labels)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = loss_of()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        return loss.item()

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
        model(ids, mask)
        for _ in range(a.infer_reps):
            t0 = time.perf_counter()
            model(ids, mask)
            infer_times.append(time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    train_s, infer_s = statistics.median(train_times), statistics.median(infer_times)
    print(json.dumps({
        "impl": "torch " + torch.__version__, "head": a.head, "batch": a.batch, "seq": a.seq,
        "sequences_per_example": options, "threads": torch.get_num_threads(),
        "train_examples_per_s": a.batch / train_s, "train_examples_per_s_best": a.batch / min(train_times),
        "infer_examples_per_s": a.batch / infer_s, "infer_examples_per_s_best": a.batch / min(infer_times),
        "peak_rss_mb": rss,
    }))


if __name__ == "__main__":
    main()
