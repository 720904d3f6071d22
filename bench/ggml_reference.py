# bench/ggml_reference.py: an independent, plain-NumPy forward pass of a small llama/Mixtral
# GGUF (one expert per layer, Q8_0 or F32 weights) with ggml's reference semantics:
# activations quantized to Q8_0 (amax/127, roundf, FP16 scale) before every quantized
# matmul, RoPE on adjacent pairs, GQA attention in float64. Prints the top-8 log-probs
# after the given token ids, to compare with `switchyard` and llama.cpp (bench/NOTES.md).
#   python3 bench/ggml_reference.py MODEL.gguf 1,259,299 [ref|noquant|kv16] [no-quant tags]
# Needs numpy (Debian: python3-numpy). Not used by tests or CI.
import struct, sys
import numpy as np

path, tokens = sys.argv[1], [int(t) for t in sys.argv[2].split(",")]
mode = sys.argv[3] if len(sys.argv) > 3 else "ref"  # ref | noquant
buf = open(path, "rb").read()
off = 0
def rd(fmt):
    global off
    v = struct.unpack_from("<" + fmt, buf, off); off += struct.calcsize("<" + fmt); return v[0]
def rstr():
    global off
    n = rd("Q"); s = buf[off:off + n].decode("utf-8", "replace"); off += n; return s
SC = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
def rval(t):
    if t in SC: return rd(SC[t])
    if t == 8: return rstr()
    if t == 9:
        et = rd("I"); n = rd("Q"); return [rval(et) for _ in range(n)]
    raise ValueError(t)
assert buf[:4] == b"GGUF"; off = 4
ver = rd("I"); nt = rd("Q"); nkv = rd("Q")
kv = {}
for _ in range(nkv):
    k = rstr(); t = rd("I"); kv[k] = rval(t)
tens = {}
for _ in range(nt):
    name = rstr(); nd = rd("I"); ne = [rd("Q") for _ in range(nd)]; t = rd("I"); o = rd("Q")
    tens[name] = (ne, t, o)
align = kv.get("general.alignment", 32)
data0 = (off + align - 1) // align * align

def tensor(name):
    ne, t, o = tens[name]
    n = int(np.prod(ne)); p = data0 + o
    if t == 0: return ("f32", np.frombuffer(buf, np.float32, n, p).reshape(list(reversed(ne))))
    if t == 8:
        nb = n // 32
        raw = np.frombuffer(buf, np.uint8, nb * 34, p).reshape(nb, 34)
        d = raw[:, :2].copy().view(np.float16).astype(np.float32).reshape(nb)
        q = raw[:, 2:].copy().view(np.int8).astype(np.int32)
        rows = n // ne[0]
        return ("q8_0", (d.reshape(rows, ne[0] // 32), q.reshape(rows, ne[0] // 32, 32)))
    raise ValueError(t)

def quant_q8_0(x):  # ggml quantize_row_q8_0_ref, in float32
    x = x.astype(np.float32).reshape(-1, 32)
    amax = np.abs(x).max(axis=1)
    d = (amax / np.float32(127)).astype(np.float32)
    idv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = np.array([[np.float32(v) for v in row] for row in (x * idv[:, None]).astype(np.float32)])
    q = np.sign(q) * np.floor(np.abs(q) + 0.5)  # roundf: ties away from zero
    return d.astype(np.float16).astype(np.float32), q.astype(np.int32)

NOQ = set(sys.argv[4].split(",")) if len(sys.argv) > 4 else set()
def matvec(w, x, tag=""):
    kind, W = w
    if tag in NOQ:
        if kind == "f32": return (W.astype(np.float64) @ x.astype(np.float64)).astype(np.float32)
        dw, qw = W
        wf = (dw[:, :, None] * qw).reshape(dw.shape[0], -1).astype(np.float64)
        return (wf @ x.astype(np.float64)).astype(np.float32)
    if kind == "f32": return (W.astype(np.float64) @ x.astype(np.float64)).astype(np.float32)
    dw, qw = W
    if mode == "noquant":
        wf = (dw[:, :, None] * qw).reshape(dw.shape[0], -1).astype(np.float64)
        return (wf @ x.astype(np.float64)).astype(np.float32)
    dx, qx = quant_q8_0(x)
    isum = np.einsum("rbj,bj->rb", qw, qx).astype(np.float64)
    return (isum * (dw.astype(np.float64) * dx.astype(np.float64))[None, :].reshape(dw.shape)).sum(axis=1).astype(np.float32)

def rmsnorm(x, w, eps):
    mean = np.sum(x.astype(np.float64) ** 2) / x.size
    scale = np.float32(1.0) / np.sqrt(np.float32(mean + eps))
    return (x * scale).astype(np.float32) * w

a = "llama."
dim = kv[a + "embedding_length"]; nh = kv[a + "attention.head_count"]; nkvh = kv[a + "attention.head_count_kv"]
eps = kv[a + "attention.layer_norm_rms_epsilon"]; hd = dim // nh
emb = tensor("token_embd.weight")
dE, qE = emb[1]
base = kv.get(a + "rope.freq_base", 10000.0)
rope_dim = kv.get(a + "rope.dimension_count", hd)
nl = kv[a + "block_count"]
K = [[] for _ in range(nl)]; V = [[] for _ in range(nl)]
def rope(vec, nheads, pos):
    v = vec.reshape(nheads, hd).astype(np.float32).copy()
    for i in range(0, rope_dim, 2):
        theta = pos * base ** (-i / rope_dim)
        c, s_ = np.float32(np.cos(theta)), np.float32(np.sin(theta))
        x0, x1 = v[:, i].copy(), v[:, i + 1].copy()
        v[:, i] = x0 * c - x1 * s_
        v[:, i + 1] = x0 * s_ + x1 * c
    return v.reshape(-1)
for pos, token in enumerate(tokens):
    x = (dE[token][:, None] * qE[token]).reshape(-1).astype(np.float32)
    for l in range(nl):
        b = f"blk.{l}."
        xb = rmsnorm(x, tensor(b + "attn_norm.weight")[1], eps)
        q = rope(matvec(tensor(b + "attn_q.weight"), xb, "q"), nh, pos)
        k = rope(matvec(tensor(b + "attn_k.weight"), xb, "k"), nkvh, pos)
        v = matvec(tensor(b + "attn_v.weight"), xb, "v")
        if mode == "kv16":  # llama.cpp's F16 KV cache: K, V stored as F16; Q and the softmax weights converted to F16 for the dots
            k = k.astype(np.float16).astype(np.float32); v = v.astype(np.float16).astype(np.float32)
        K[l].append(k); V[l].append(v)
        att = []
        for h in range(nh):
            g = h // (nh // nkvh)
            qh = q[h * hd:(h + 1) * hd].astype(np.float16 if mode == "kv16" else np.float32).astype(np.float64)
            ks = np.array([kk[g * hd:(g + 1) * hd] for kk in K[l]], np.float64)
            vs = np.array([vv[g * hd:(g + 1) * hd] for vv in V[l]], np.float64)
            sc = ks @ qh / np.sqrt(hd)
            p = np.exp(sc - sc.max()); p /= p.sum()
            if mode == "kv16": p = p.astype(np.float16).astype(np.float64)
            att.append((p @ vs).astype(np.float32))
        att = np.concatenate(att)
        h_ = x + matvec(tensor(b + "attn_output.weight"), att, "o")
        xb2 = rmsnorm(h_, tensor(b + "ffn_norm.weight")[1], eps)
        ne, t, o = tens[b + "ffn_gate_exps.weight"]
        assert ne[2] == 1, "one expert only"
        gg = matvec(tensor(b + "ffn_gate_exps.weight"), xb2, "g")
        u = matvec(tensor(b + "ffn_up_exps.weight"), xb2, "u")
        hg = (gg / (1 + np.exp(-gg.astype(np.float64)))).astype(np.float32) * u
        x = h_ + matvec(tensor(b + "ffn_down_exps.weight"), hg, "d")
out = rmsnorm(x, tensor("output_norm.weight")[1], eps)
wout = tensor("output.weight") if "output.weight" in tens else emb
logits = matvec(wout, out, "out").astype(np.float64)
lp = logits - logits.max(); lp = lp - np.log(np.exp(lp).sum())
top = np.argsort(-lp)[:8]
print(mode, " ".join(f"{i}:{lp[i]:.5f}" for i in top))
