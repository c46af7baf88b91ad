# Independent PyTorch references for configurations other than the shared
# fixtures (biases off, more codebooks given, non-causal codec, identity
# shortcut, constant padding, partial right trim, ...). Written from the
# semantics documented in ../../../../../shared/fixtures/*/README.md, using
# PyTorch's own kernels (F.conv1d, F.conv_transpose1d, nn.LSTM, F.pad,
# F.layer_norm, F.gelu) and float64. Run once with /usr/bin/python3 from this
# folder; the unit tests only read the files it writes.
import json, math, os, struct
import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20251125)
D = torch.float64


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().to(torch.float32).contiguous().numpy()
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def f32(t):  # the weights the C++ side reads are float32: compute from those
    return t.to(torch.float32).to(D)


def rand(*shape, scale=0.3):
    return f32(torch.randn(*shape, dtype=D) * scale)


# ---------------------------------------------------------------- transformers
def block_params(p, i, C, bias, ln_bias):
    h = f"transformer.h.{i}."
    p[h + "ln_1.weight"] = f32(1 + 0.2 * torch.randn(C, dtype=D))
    p[h + "ln_2.weight"] = f32(1 + 0.2 * torch.randn(C, dtype=D))
    if ln_bias:
        p[h + "ln_1.bias"] = rand(C, scale=0.1)
        p[h + "ln_2.bias"] = rand(C, scale=0.1)
    p[h + "attn.c_attn.weight"] = rand(3 * C, C, scale=C ** -0.5)
    p[h + "attn.c_proj.weight"] = rand(C, C, scale=C ** -0.5)
    p[h + "mlp.c_fc.weight"] = rand(4 * C, C, scale=C ** -0.5)
    p[h + "mlp.c_proj.weight"] = rand(C, 4 * C, scale=(4 * C) ** -0.5)
    if bias:
        for n, s in [("attn.c_attn.bias", 3 * C), ("attn.c_proj.bias", C), ("mlp.c_fc.bias", 4 * C), ("mlp.c_proj.bias", C)]:
            p[h + n] = rand(s, scale=0.1)


def run_blocks(p, x, n_layer, n_head, causal, bias, ln_bias):
    T, C = x.shape
    hs = C // n_head
    get = lambda k: p.get(k) if bias else None
    for i in range(n_layer):
        h = f"transformer.h.{i}."
        a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p.get(h + "ln_1.bias") if ln_bias else None, 1e-5)
        qkv = F.linear(a, p[h + "attn.c_attn.weight"], get(h + "attn.c_attn.bias"))
        q, k, v = qkv.split(C, dim=1)
        q = q.view(T, n_head, hs).transpose(0, 1)
        k = k.view(T, n_head, hs).transpose(0, 1)
        v = v.view(T, n_head, hs).transpose(0, 1)
        att = q @ k.transpose(1, 2) / math.sqrt(hs)
        if causal:
            att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        y = (att.softmax(-1) @ v).transpose(0, 1).reshape(T, C)
        x = x + F.linear(y, p[h + "attn.c_proj.weight"], get(h + "attn.c_proj.bias"))
        m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p.get(h + "ln_2.bias") if ln_bias else None, 1e-5)
        m = F.gelu(F.linear(m, p[h + "mlp.c_fc.weight"], get(h + "mlp.c_fc.bias")))
        x = x + F.linear(m, p[h + "mlp.c_proj.weight"], get(h + "mlp.c_proj.bias"))
    return F.layer_norm(x, (C,), p["transformer.ln_f.weight"], p.get("transformer.ln_f.bias") if ln_bias else None, 1e-5)


def gpt_variant():
    cfg = dict(n_layer=3, n_head=2, n_embd=32, block_size=64, input_vocab_size=70, output_vocab_size=50, bias=False)
    C = cfg["n_embd"]
    p = {"transformer.wte.weight": rand(70, C, scale=0.5), "transformer.wpe.weight": rand(64, C, scale=0.2)}
    for i in range(cfg["n_layer"]):
        block_params(p, i, C, False, False)
    p["transformer.ln_f.weight"] = f32(1 + 0.2 * torch.randn(C, dtype=D))
    p["lm_head.weight"] = rand(50, C, scale=C ** -0.5)
    tokens = torch.randint(0, 70, (20,))
    x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][:20]
    logits = F.linear(run_blocks(p, x, 3, 2, True, False, False), p["lm_head.weight"])
    # Bark's merge_context with 6 merged positions: 2*6 + 5 tokens -> 11 positions.
    m = 6
    merged_tokens = torch.randint(0, 70, (2 * m + 5,))
    wte = p["transformer.wte.weight"]
    emb = torch.cat([wte[merged_tokens[:m]] + wte[merged_tokens[m:2 * m]], wte[merged_tokens[2 * m:]]])
    x = emb + p["transformer.wpe.weight"][: emb.shape[0]]
    merged = F.linear(run_blocks(p, x, 3, 2, True, False, False), p["lm_head.weight"])
    os.makedirs("gpt_nobias", exist_ok=True)
    save_safetensors("gpt_nobias/model.safetensors", p)
    json.dump(dict(cfg, merged_context=m), open("gpt_nobias/config.json", "w"), indent=1)
    np.save("gpt_nobias/tokens.npy", tokens.numpy().astype(np.int64))
    np.save("gpt_nobias/logits_full.npy", logits.numpy().astype(np.float32))
    np.save("gpt_nobias/merged_tokens.npy", merged_tokens.numpy().astype(np.int64))
    np.save("gpt_nobias/logits_merged.npy", merged.numpy().astype(np.float32))


def fine_variant():
    cfg = dict(n_layer=1, n_head=4, n_embd=32, block_size=40, input_vocab_size=41, output_vocab_size=36,
               n_codes_total=5, n_codes_given=2, bias=False)
    C = 32
    p = {f"transformer.wtes.{j}.weight": rand(41, C, scale=0.5) for j in range(5)}
    p["transformer.wpe.weight"] = rand(40, C, scale=0.2)
    block_params(p, 0, C, False, True)
    p["transformer.ln_f.weight"] = f32(1 + 0.2 * torch.randn(C, dtype=D))
    p["transformer.ln_f.bias"] = rand(C, scale=0.1)
    for k in range(3):
        p[f"lm_heads.{k}.weight"] = rand(36, C, scale=C ** -0.5)
    T = 24
    codes = torch.randint(0, 41, (T, 5))
    out = []
    for pred in range(2, 5):
        x = sum(p[f"transformer.wtes.{j}.weight"][codes[:, j]] for j in range(pred + 1)) + p["transformer.wpe.weight"][:T]
        out.append(F.linear(run_blocks(p, x, 1, 4, False, False, True), p[f"lm_heads.{pred - 2}.weight"]))
    os.makedirs("fine_given2", exist_ok=True)
    save_safetensors("fine_given2/model.safetensors", p)
    json.dump(cfg, open("fine_given2/config.json", "w"), indent=1)
    np.save("fine_given2/codes.npy", codes.numpy().astype(np.int64))
    np.save("fine_given2/logits.npy", torch.stack(out).numpy().astype(np.float32))


# ---------------------------------------------------------------------- codec
def pad1d(x, left, right, mode):
    if mode == "reflect":
        L = x.shape[-1]
        extra = 0
        if L <= max(left, right):
            extra = max(left, right) - L + 1
            x = F.pad(x, (0, extra))
        y = F.pad(x, (left, right), mode="reflect")
        return y[..., : y.shape[-1] - extra]
    return F.pad(x, (left, right), mode="constant", value=0.0)


def conv_weight(p, prefix, shape, norm):
    v = rand(*shape, scale=(shape[1] * shape[2]) ** -0.5)
    if norm == "weight_norm":
        g = f32(v.flatten(1).norm(dim=1).view(-1, 1, 1) * (0.5 + torch.rand(shape[0], 1, 1, dtype=D)))
        p[prefix + "weight_g"], p[prefix + "weight_v"] = g, v
        return g * v / v.flatten(1).norm(dim=1).view(-1, 1, 1)
    p[prefix + "weight"] = v
    return v


class Codec:
    def __init__(self, cfg):
        self.cfg, self.p = cfg, {}

    def conv(self, prefix, cin, cout, k, dil=1):
        w = conv_weight(self.p, prefix + ".conv.conv.", (cout, cin, k), self.cfg["norm"])
        b = rand(cout, scale=0.1)
        self.p[prefix + ".conv.conv.bias"] = b
        causal, mode = self.cfg["causal"], self.cfg["pad_mode"]

        def run(x):
            total = (k - 1) * dil
            right = 0 if causal else total // 2
            return F.conv1d(pad1d(x, total - right, right, mode), w, b, dilation=dil)
        return run

    def convtr(self, prefix, cin, cout, k, s):
        w = conv_weight(self.p, prefix + ".convtr.convtr.", (cin, cout, k), self.cfg["norm"])
        b = rand(cout, scale=0.1)
        self.p[prefix + ".convtr.convtr.bias"] = b
        total = k - s
        right = math.ceil(total * self.cfg["trim_right_ratio"]) if self.cfg["causal"] else total // 2

        def run(x):
            y = F.conv_transpose1d(x, w, b, stride=s)
            return y[..., total - right: y.shape[-1] - right]
        return run

    def build(self):
        c = self.cfg
        alpha = c["activation_params"]["alpha"]
        elu = lambda x: F.elu(x, alpha)
        layers, idx = [], 0
        mult = 2 ** len(c["ratios"])
        width = mult * c["n_filters"]
        layers.append(self.conv(f"decoder.model.{idx}", c["dimension"], width, c["kernel_size"])); idx += 1
        if c["lstm"]:
            lstm = torch.nn.LSTM(width, width, c["lstm"]).to(D)
            for name, t in lstm.named_parameters():
                t.data = f32(t.data)
                self.p[f"decoder.model.{idx}.lstm.{name}"] = t.data
            layers.append(lambda x, lstm=lstm: lstm(x.permute(2, 0, 1))[0].permute(1, 2, 0) + x); idx += 1
        for r in c["ratios"]:
            layers.append(elu); idx += 1
            layers.append(self.convtr(f"decoder.model.{idx}", width, width // 2, 2 * r, r)); idx += 1
            width //= 2
            for j in range(c["n_residual_layers"]):
                pre = f"decoder.model.{idx}"
                hidden = width // c["compress"]
                c1 = self.conv(pre + ".block.1", width, hidden, c["residual_kernel_size"], c["dilation_base"] ** j)
                c3 = self.conv(pre + ".block.3", hidden, width, 1)
                sc = (lambda x: x) if c["true_skip"] else self.conv(pre + ".shortcut", width, width, 1)
                layers.append(lambda x, c1=c1, c3=c3, sc=sc: sc(x) + c3(elu(c1(elu(x))))); idx += 1
        layers.append(elu); idx += 1
        layers.append(self.conv(f"decoder.model.{idx}", c["n_filters"], c["channels"], c["last_kernel_size"])); idx += 1
        if c["final_activation"] == "Tanh":
            layers.append(torch.tanh)
        self.layers = layers
        self.books = [rand(c["bins"], c["dimension"], scale=1.0) for _ in range(c["n_q"])]
        for q, e in enumerate(self.books):
            self.p[f"quantizer.vq.layers.{q}._codebook.embed"] = e

    def decode(self, codes):
        x = sum(self.books[q][codes[q]] for q in range(codes.shape[0])).T[None]
        with torch.no_grad():
            for layer in self.layers:
                x = layer(x)
        return x


def codec_variant(name, cfg, T, T_short):
    codec = Codec(cfg)
    codec.build()
    codes = torch.randint(0, cfg["bins"], (cfg["n_q"], T))
    short = torch.randint(0, cfg["bins"], (cfg["n_q"], T_short))
    os.makedirs(name, exist_ok=True)
    save_safetensors(f"{name}/model.safetensors", codec.p)
    json.dump(cfg, open(f"{name}/config.json", "w"), indent=1)
    np.save(f"{name}/codes.npy", codes.numpy().astype(np.int64))
    np.save(f"{name}/codes_short.npy", short.numpy().astype(np.int64))
    np.save(f"{name}/wav.npy", codec.decode(codes).numpy().astype(np.float32))
    np.save(f"{name}/wav_short.npy", codec.decode(short).numpy().astype(np.float32))


base = dict(channels=1, activation="ELU", activation_params={"alpha": 1.0}, final_activation=None, kernel_size=5,
            last_kernel_size=3, residual_kernel_size=3, dilation_base=2, compress=2, trim_right_ratio=1.0)
gpt_variant()
fine_variant()
codec_variant("seanet_noncausal", dict(base, dimension=6, n_filters=4, n_residual_layers=2, ratios=[3, 2],
                                       activation_params={"alpha": 0.7}, final_activation="Tanh", norm="none",
                                       causal=False, pad_mode="reflect", true_skip=True, lstm=1, n_q=3, bins=16),
              T=9, T_short=2)
codec_variant("seanet_causal_zeros", dict(base, dimension=5, n_filters=3, n_residual_layers=1, ratios=[4, 3],
                                          norm="weight_norm", causal=True, pad_mode="constant", true_skip=False,
                                          lstm=0, compress=1, trim_right_ratio=0.5, kernel_size=4, n_q=2, bins=8),
              T=7, T_short=1)
