#!/usr/bin/env python3
"""Writes math-cases.jsonl (or the path in argv[1]): one `pjudge math batch` case per line for every op and mode
the Vulkan backend ports, seeded, at sizes that take the shaders' workgroup paths (groups above 32 rows, rows of
a few hundred tokens). run-on-device.sh runs it with --backend vulkan and --backend cpu and compares the numbers."""
import json
import random
import sys

rng = random.Random(20261126)


def mat(rows, cols, lo, hi, digits=4):
    return [[round(rng.uniform(lo, hi), digits) for _ in range(cols)] for _ in range(rows)]


def ragged_mask(rows, cols):
    return [[1 if c < cols - (r * 7) % cols // 2 else 0 for c in range(cols)] for r in range(rows)]


cases = []
rows, cols = 48, 6
index = [f"p{r // 8}" for r in range(rows - 40)] + ["big"] * 40  # groups of 8, then one of 40 rows
rewards = mat(rows, cols, 0, 1, 3)
mask = ragged_mask(rows, cols)
for est in ["grpo", "grpo_passk", "rloo", "opo", "gpg", "remax", "reinforce_plus_plus",
            "reinforce_plus_plus_baseline"]:
    inp = {"estimator": est, "token_level_rewards": rewards, "response_mask": mask, "index": index}
    if est == "remax":
        inp["reward_baselines"] = [round(rng.uniform(0, 1), 3) for _ in range(rows)]
    cases.append({"op": "advantage", "input": inp})
for scale in ["group", "batch", "none"]:
    cases.append({"op": "trl_advantage", "input": {"rewards": [round(rng.uniform(0, 2), 3) for _ in range(rows)],
                                                   "index": index, "scale_rewards": scale}})
T = 300
old = mat(8, T, -3, -0.1)
new = [[round(v + rng.uniform(-0.3, 0.3), 4) for v in row] for row in old]
adv = [[a] * T for a in [round(rng.uniform(-1.5, 1.5), 3) for _ in range(8)]]
pmask = ragged_mask(8, T)
for mode in ["vanilla", "gspo", "gpg", "geo_mean", "cispo", "sapo", "kl_cov", "clip_cov"]:
    inp = {"loss_mode": mode, "old_log_prob": old, "log_prob": new, "advantages": adv, "response_mask": pmask}
    if mode == "kl_cov":
        inp["kl_cov_ratio"] = 0.02
    if mode == "clip_cov":
        inp["clip_cov_ratio"] = 0.02
        inp["seed"] = 7
    cases.append({"op": "policy_loss", "input": inp})
for mode in ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"]:
    cases.append({"op": "agg_loss", "input": {"loss_agg_mode": mode, "loss_mat": mat(8, T, -2, 2),
                                              "loss_mask": pmask}})
for est in ["kl", "abs", "mse", "low_var_kl", "low_var_kl+", "k2+"]:
    cases.append({"op": "kl_penalty", "input": {"kl_penalty": est, "logprob": old, "ref_logprob": new}})
logits = [mat(4, 500, -4, 4) for _ in range(2)]
labels = [[rng.randrange(500) for _ in range(4)] for _ in range(2)]
cases.append({"op": "entropy", "input": {"logits": logits, "temperature": 0.7}})
cases.append({"op": "log_prob", "input": {"logits": logits, "labels": labels}})
x = [round(rng.uniform(0, 1), 2) for _ in range(700)]  # two decimals: ties
y = [round(v + rng.uniform(-0.3, 0.3), 2) for v in x]
cases.append({"op": "kendall_tau", "input": {"x": x, "y": y}})
cases.append({"op": "spearman", "input": {"x": x, "y": y}})
cases.append({"op": "ndcg", "input": {"relevance": [rng.randrange(4) for _ in range(200)], "k": 10}})
word = "".join(rng.choice("acgt") for _ in range(600))
cases.append({"op": "levenshtein", "input": {"a": word, "b": word[50:] + word[:40]}})
for truth, said in [("BCA", "B > C > A"), ("ABCDE", "E, D, C, B, A"), ("CAB", "A: 2, B: 1, C: 3")]:
    cases.append({"op": "batch_ranking_reward", "input": {"solution_str": said, "ground_truth": truth}})
with open(sys.argv[1] if len(sys.argv) > 1 else "math-cases.jsonl", "w", encoding="utf-8") as f:
    for c in cases:
        f.write(json.dumps(c, separators=(",", ":")) + "\n")
print(len(cases), "cases")
