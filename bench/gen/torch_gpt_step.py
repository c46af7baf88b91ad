# PyTorch CPU eager baseline for bench/gen: the same GPT architecture (bark's
# GPT: pre-LN blocks, exact GELU, learned positions, KV cache appended with
# torch.cat) on exactly the weights gen_bench wrote, one decode step at the
# same context length, in float32 and bfloat16. Prints JSON.
#   /usr/bin/python3 bench/gen/torch_gpt_step.py /tmp/b2m_bench_gpt.safetensors --threads 2
import argparse, json, math, struct, time
import numpy as np
import torch
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32"
        b, t = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:t], dtype=np.float32).reshape(e["shape"]).copy())
    return out


class Gpt:
    def __init__(self, w, n_layer, n_head, dtype):
        self.w = {k: v.to(dtype) for k, v in w.items()}
        self.n_layer, self.n_head = n_layer, n_head
        self.C = w["transformer.wte.weight"].shape[1]

    @torch.no_grad()
    def forward(self, idx, past):
        w, C, H = self.w, self.C, self.n_head
        T = idx.shape[0]
        start = 0 if past is None else past[0][0].shape[1]
        x = w["transformer.wte.weight"][idx] + w["transformer.wpe.weight"][start:start + T]
        new_past = []
        for i in range(self.n_layer):
            p = f"transformer.h.{i}."
            a = F.layer_norm(x, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], 1e-5)
            q, k, v = F.linear(a, w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"]).split(C, dim=1)
            q = q.view(T, H, C // H).transpose(0, 1)
            k = k.view(T, H, C // H).transpose(0, 1)
            v = v.view(T, H, C // H).transpose(0, 1)
            if past is not None:
                k = torch.cat([past[i][0], k], dim=1)
                v = torch.cat([past[i][1], v], dim=1)
            new_past.append((k, v))
            att = (q @ k.transpose(1, 2)) / math.sqrt(C // H)
            if T > 1:
                att = att.masked_fill(torch.triu(torch.ones(T, k.shape[1], dtype=torch.bool), 1 + k.shape[1] - T), float("-inf"))
            y = (att.softmax(-1) @ v).transpose(0, 1).reshape(T, C)
            x = x + F.linear(y, w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"])
            m = F.layer_norm(x, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], 1e-5)
            x = x + F.linear(F.gelu(F.linear(m, w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"])),
                             w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])
        x = F.layer_norm(x[-1:], (C,), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], 1e-5)
        return F.linear(x, w["lm_head.weight"]), new_past


def time_steps(model, context, seconds):
    prompt = torch.tensor([(i * 7919) % 12096 for i in range(context)])
    _, past = model.forward(prompt, None)
    token = torch.tensor([42])
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds:
        if past[0][0].shape[1] >= context + 64:
            _, past = model.forward(prompt, None)
        t0 = time.perf_counter()
        _, past = model.forward(token, past)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), len(times)


ap = argparse.ArgumentParser()
ap.add_argument("weights")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--layers", type=int, default=12)
ap.add_argument("--heads", type=int, default=12)
ap.add_argument("--context", type=int, default=256)
ap.add_argument("--seconds", type=float, default=5.0)
args = ap.parse_args()
torch.set_num_threads(args.threads)
weights = load_safetensors(args.weights)
result = {"torch": torch.__version__, "threads": args.threads, "context": args.context}
for name, dtype in [("f32", torch.float32), ("bf16", torch.bfloat16)]:
    ms, n = time_steps(Gpt(weights, args.layers, args.heads, dtype), args.context, args.seconds)
    result[name + "_step_ms"] = ms * 1e3
    result[name + "_steps"] = n
print(json.dumps(result))
