"""Independent numpy reference for the Keras semantics lstmc reproduces.

This module is the math only: activations, the LSTM / Dense / Embedding
layers (forward and backward through time), the Keras losses and their
gradients, and the Keras optimizers. tools/make_fixtures.py builds test
cases on top of it and writes tests/numeric/*.txt, which the C tests compare
against. Nothing here is imported by the build; CI never runs Python.

Everything is float64 numpy. It was written from the formulas in
/work/shared/reference/keras-semantics.md and the Keras sources cited at each
function, not from lstmc's C code, so that the two implementations check
each other.

Conventions
- Batch first: a sequence is [B, T, F], a vector [B, F].
- Weights use Keras' names and layouts: LSTM `kernel` [F, 4U],
  `recurrent_kernel` [U, 4U], `bias` [4U] with the gates in the order
  i, f, c, o along the 4U axis; Dense `kernel` [in, out], `bias` [out];
  Embedding `embeddings` [vocab, dim].
- Backward functions return gradients (they do not accumulate into
  arguments); `*_backward(dy, cache)` takes dL/d(output).
"""

import numpy as np

# Keras' backend epsilon (keras.backend.epsilon(), 1e-7): the clip bound
# of the probability-form cross-entropies.
EPSILON = 1e-7


# ---- activations ---------------------------------------------------------
#
# Each activation is given by its value and its derivative as a function of
# the pre-activation z. softmax is the exception (a Jacobian over the last
# axis) and is handled in activation_backward().


def sigmoid(z):
    """Logistic function, evaluated without overflow for large |z|."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def hard_sigmoid(z):
    """Keras 2.x hard_sigmoid: clip(0.2 z + 0.5, 0, 1).

    Source: tf.keras backend.hard_sigmoid (Keras <= 2.x). Keras 3 changed
    hard_sigmoid to relu6(z + 3) / 6 = clip(z / 6 + 0.5, 0, 1); lstmc follows
    the Keras 2.x definition, the one LSTM(recurrent_activation=
    'hard_sigmoid') used in the Keras versions that defaulted to it.
    """
    return np.clip(0.2 * z + 0.5, 0.0, 1.0)


def hard_sigmoid_grad(z):
    """0.2 inside the linear part, 0 where the clip is active.

    tf.clip_by_value passes the gradient where lo <= x <= hi (bounds
    included), so the bounds count as inside.
    """
    u = 0.2 * z + 0.5
    return np.where((u >= 0.0) & (u <= 1.0), 0.2, 0.0)


def softmax(z):
    """Softmax over the last axis, shifted by the row maximum."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _tanh_grad(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)


# name -> (value(z), derivative(z)). relu'(0) = 0 as in TensorFlow.
ELEMENTWISE = {
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
    "sigmoid": (sigmoid, _sigmoid_grad),
    "tanh": (np.tanh, _tanh_grad),
    "hard_sigmoid": (hard_sigmoid, hard_sigmoid_grad),
}


def activation(name, z):
    """Applies the named Keras activation to the pre-activation z."""
    if name == "softmax":
        return softmax(z)
    return ELEMENTWISE[name][0](z)


def activation_backward(name, z, dy):
    """dL/dz from dL/dy where y = activation(name, z).

    softmax: dz = s * (dy - sum(dy * s)) over the last axis.
    """
    if name == "softmax":
        s = softmax(z)
        return s * (dy - np.sum(dy * s, axis=-1, keepdims=True))
    return dy * ELEMENTWISE[name][1](z)


# ---- layers ----------------------------------------------------------------


def lstm_forward(x, kernel, recurrent_kernel, bias, activation_name="tanh",
                 recurrent_activation="sigmoid", return_sequences=False):
    """Keras LSTM over x [B, T, F]; returns (y, cache).

    Per step (keras-semantics.md, "LSTM"; Keras LSTMCell.call):
        z   = x_t . kernel + h_{t-1} . recurrent_kernel + bias   [B, 4U]
        i   = ra(z_i), f = ra(z_f), g = act(z_c), o = ra(z_o)
        c_t = f * c_{t-1} + i * g
        h_t = o * act(c_t)
    with act = `activation_name`, ra = `recurrent_activation`, h_0 = c_0 = 0.
    y is h_T [B, U], or every h_t [B, T, U] when return_sequences.
    bias may be None (use_bias=False).
    """
    B, T, _ = x.shape
    U = recurrent_kernel.shape[0]
    h = np.zeros((B, U))
    c = np.zeros((B, U))
    act = ELEMENTWISE[activation_name][0]
    ra = ELEMENTWISE[recurrent_activation][0]
    steps = []
    hs = np.zeros((B, T, U))
    for t in range(T):
        z = x[:, t, :] @ kernel + h @ recurrent_kernel
        if bias is not None:
            z = z + bias
        zi, zf, zc, zo = (z[:, k * U:(k + 1) * U] for k in range(4))
        i, f, g, o = ra(zi), ra(zf), act(zc), ra(zo)
        c_prev, h_prev = c, h
        c = f * c_prev + i * g
        h = o * act(c)
        steps.append((z, i, f, g, o, c_prev, h_prev, c))
        hs[:, t, :] = h
    cache = dict(x=x, kernel=kernel, recurrent_kernel=recurrent_kernel,
                 use_bias=bias is not None, act=activation_name,
                 ra=recurrent_activation, rs=return_sequences, steps=steps)
    return (hs if return_sequences else h), cache


def lstm_backward(dy, cache):
    """Backpropagation through time for lstm_forward.

    dy is dL/dy: [B, T, U] when return_sequences, else [B, U] (the
    gradient reaches h_T only). Returns (dx [B, T, F], grads) where grads
    holds "kernel", "recurrent_kernel" and, with a bias, "bias".

    Per step, from t = T-1 down to 0, with dh = dy_t + dh_next:
        do = dh * act(c_t)
        dc = dc_next + dh * o * act'(c_t)
        di = dc * g,  df = dc * c_{t-1},  dg = dc * i,  dc_next = dc * f
        dz = [di * ra'(z_i), df * ra'(z_f), dg * act'(z_c), do * ra'(z_o)]
        dkernel += x_t^T dz, drecurrent += h_{t-1}^T dz, dbias += sum_b dz
        dx_t = dz kernel^T,  dh_next = dz recurrent_kernel^T
    """
    x, W, R = cache["x"], cache["kernel"], cache["recurrent_kernel"]
    B, T, _ = x.shape
    U = R.shape[0]
    act, dact = ELEMENTWISE[cache["act"]]
    dra = ELEMENTWISE[cache["ra"]][1]
    dW = np.zeros_like(W)
    dR = np.zeros_like(R)
    db = np.zeros(4 * U)
    dx = np.zeros_like(x)
    dh_next = np.zeros((B, U))
    dc_next = np.zeros((B, U))
    for t in reversed(range(T)):
        z, i, f, g, o, c_prev, h_prev, c = cache["steps"][t]
        dh = dh_next.copy()
        if cache["rs"]:
            dh += dy[:, t, :]
        elif t == T - 1:
            dh += dy
        zi, zf, zc, zo = (z[:, k * U:(k + 1) * U] for k in range(4))
        do = dh * act(c)
        dc = dc_next + dh * o * dact(c)
        di = dc * g
        df = dc * c_prev
        dg = dc * i
        dc_next = dc * f
        dz = np.concatenate([di * dra(zi), df * dra(zf), dg * dact(zc),
                             do * dra(zo)], axis=1)
        dW += x[:, t, :].T @ dz
        dR += h_prev.T @ dz
        db += dz.sum(axis=0)
        dx[:, t, :] = dz @ W.T
        dh_next = dz @ R.T
    grads = {"kernel": dW, "recurrent_kernel": dR}
    if cache["use_bias"]:
        grads["bias"] = db
    return dx, grads


def dense_forward(x, kernel, bias, activation_name="linear"):
    """Keras Dense on the last axis of x ([B, in] or [B, T, in]).

    y = act(x . kernel + bias); on a sequence it applies to every step
    (keras-semantics.md, "Dense"). Returns (y, cache); cache["z"] is the
    pre-activation (the logits of a sigmoid or softmax output).
    """
    z = x @ kernel
    if bias is not None:
        z = z + bias
    return activation(activation_name, z), dict(x=x, z=z, kernel=kernel,
                                                use_bias=bias is not None,
                                                act=activation_name)


def dense_backward(dy, cache, dz=None):
    """Gradients of dense_forward from dL/dy, or directly from dL/dz.

    Passing dz skips the activation: that is how a fused
    sigmoid/softmax + cross-entropy (the logits path) enters. Returns
    (dx, grads) with "kernel" and, with a bias, "bias"; the sums run over
    every leading axis (batch and time).
    """
    if dz is None:
        dz = activation_backward(cache["act"], cache["z"], dy)
    x = cache["x"]
    n_in = x.shape[-1]
    n_out = dz.shape[-1]
    grads = {"kernel": x.reshape(-1, n_in).T @ dz.reshape(-1, n_out)}
    if cache["use_bias"]:
        grads["bias"] = dz.reshape(-1, n_out).sum(axis=0)
    return dz @ cache["kernel"].T, grads


def embedding_forward(ids, embeddings):
    """Keras Embedding: row lookup, ids [B, L] (integers) -> [B, L, dim].

    Index 0 is an ordinary row (mask_zero=False).
    """
    ids = np.asarray(ids, dtype=np.int64)
    return embeddings[ids], dict(ids=ids, shape=embeddings.shape)


def embedding_backward(dy, cache):
    """Row-sparse gradient of embedding_forward: each dy[b, l] is added to
    row ids[b, l] (repeated ids accumulate); rows not used stay exactly 0."""
    d = np.zeros(cache["shape"])
    np.add.at(d, cache["ids"].reshape(-1), dy.reshape(-1, cache["shape"][1]))
    return {"embeddings": d}


# ---- losses ------------------------------------------------------------------
#
# Keras computes a per-sample (per-step) loss by reducing over the last axis,
# then the default reduction "sum_over_batch_size" averages over every
# remaining element: the batch, and the time steps of a sequence output.
# Each function returns (value, dL/d(input)) for that reduced scalar.
# Sources: keras.losses (mean_squared_error, mean_absolute_error,
# binary_crossentropy, categorical_crossentropy) and the backend functions
# they call (keras/src/backend/*/nn.py; tf.keras backend.py in Keras 2.x).


def _n_samples(y):
    """Number of per-sample losses the batch mean divides by."""
    return int(np.prod(y.shape[:-1]))


def mse(y_true, y_pred):
    """mean((y_pred - y_true)^2) over units, then over the batch."""
    d = y_pred - y_true
    n = d.size
    return np.sum(d * d) / n, 2.0 * d / n


def mae(y_true, y_pred):
    """mean(|y_pred - y_true|); gradient sign(y_pred - y_true) / n with
    sign(0) = 0, the gradient TensorFlow gives abs() at 0."""
    d = y_pred - y_true
    n = d.size
    return np.sum(np.abs(d)) / n, np.sign(d) / n


def binary_crossentropy(y_true, p):
    """From probabilities (Keras 3 backend binary_crossentropy,
    from_logits=False):
        q = clip(p, 1e-7, 1 - 1e-7)
        l = -(y log q + (1 - y) log(1 - q)), mean over units and batch.
    The gradient is 0 where the clip is active (tf.clip_by_value).
    tf.keras 2.x additionally adds 1e-7 inside both logs; Keras 3 does not.
    A model with a sigmoid output never takes this path: see
    binary_crossentropy_logits.
    """
    q = np.clip(p, EPSILON, 1.0 - EPSILON)
    n_units = p.shape[-1]
    n = _n_samples(p)
    per = -(y_true * np.log(q) + (1.0 - y_true) * np.log(1.0 - q))
    inside = (p >= EPSILON) & (p <= 1.0 - EPSILON)
    dq = -(y_true / q - (1.0 - y_true) / (1.0 - q))
    return np.sum(per) / (n_units * n), np.where(inside, dq, 0.0) / (n_units * n)


def binary_crossentropy_logits(y_true, z):
    """From logits z (tf.nn.sigmoid_cross_entropy_with_logits, which Keras
    uses for from_logits=True and for the logits behind a sigmoid output):
        l = max(z, 0) - z y + log(1 + exp(-|z|))
        dl/dz = sigmoid(z) - y
    mean over units and batch. No clipping: for large |z| this differs from
    the probability form (where log(q) stops at log(1e-7)).
    """
    n_units = z.shape[-1]
    n = _n_samples(z)
    per = np.maximum(z, 0.0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
    return np.sum(per) / (n_units * n), (sigmoid(z) - y_true) / (n_units * n)


def categorical_crossentropy(y_true, p):
    """From probabilities (Keras backend categorical_crossentropy,
    from_logits=False, in Keras 2.x and 3 alike):
        q = clip(p / sum(p), 1e-7, 1 - 1e-7)       (sum over the last axis)
        l = -sum(y log q), mean over the batch.
    Gradient through the normalisation, with s = sum(p) and
    gq = -y / q where the clip is inactive, else 0:
        dl/dp_j = (gq_j - sum_k gq_k * p_k / s) / s
    For a row with sum(p) = 1, sum(y) = 1 and no clipping this is
    -y_j / p_j + 1.
    """
    s = np.sum(p, axis=-1, keepdims=True)
    u = p / s
    q = np.clip(u, EPSILON, 1.0 - EPSILON)
    inside = (u >= EPSILON) & (u <= 1.0 - EPSILON)
    n = _n_samples(p)
    per = -np.sum(y_true * np.log(q), axis=-1)
    gq = np.where(inside, -y_true / q, 0.0)
    dp = (gq - np.sum(gq * u, axis=-1, keepdims=True)) / s
    return np.sum(per) / n, dp / n


def categorical_crossentropy_logits(y_true, z):
    """From logits z (tf.nn.softmax_cross_entropy_with_logits, used for
    from_logits=True and for the logits behind a softmax output):
        l = -sum(y (z - logsumexp(z))), mean over the batch
        dl/dz = softmax(z) * sum(y) - y    (= softmax(z) - y for rows of y
                                            that sum to 1, as TF assumes)
    """
    m = np.max(z, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))
    n = _n_samples(z)
    per = -np.sum(y_true * (z - lse), axis=-1)
    dz = softmax(z) * np.sum(y_true, axis=-1, keepdims=True) - y_true
    return np.sum(per) / n, dz / n


LOSSES = {
    "mse": mse,
    "mae": mae,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
}

# The output activation whose logits Keras feeds to the loss directly (the
# TensorFlow backend looks through a sigmoid/softmax output to its logits).
LOGITS_LOSSES = {
    ("binary_crossentropy", "sigmoid"): binary_crossentropy_logits,
    ("categorical_crossentropy", "softmax"): categorical_crossentropy_logits,
}


# ---- optimizers ----------------------------------------------------------------
#
# Each optimizer keeps its state per parameter name and updates a dict of
# float64 arrays in place. step() is one apply_gradients call: Keras'
# `iterations` counter, and so Adam's t, advances once per call for all
# parameters together.


class Adam:
    """Keras Adam (keras/src/optimizers/adam.py, Keras 3; the same
    update as tf.keras 2.x optimizer_v2 ResourceApplyAdam), per step t >= 1:
        m     += (g - m) (1 - beta_1)
        v     += (g^2 - v) (1 - beta_2)
        alpha  = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
        theta -= alpha m / (sqrt(v) + epsilon)
    Defaults lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7.
    Sparse (embedding) gradients: the update is still applied to every row,
    as optimizer_v2's sparse Adam does (it decays m and v everywhere and
    updates var densely); a row with zero gradient moves while m != 0.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.b1, self.b2, self.eps = learning_rate, beta_1, beta_2, epsilon
        self.t = 0
        self.m, self.v = {}, {}

    def step(self, params, grads):
        self.t += 1
        alpha = self.lr * np.sqrt(1.0 - self.b2 ** self.t) / (1.0 - self.b1 ** self.t)
        for k, g in grads.items():
            m = self.m.setdefault(k, np.zeros_like(g))
            v = self.v.setdefault(k, np.zeros_like(g))
            m += (g - m) * (1.0 - self.b1)
            v += (g * g - v) * (1.0 - self.b2)
            params[k] -= (m * alpha) / (np.sqrt(v) + self.eps)


class SGD:
    """Keras SGD (keras/src/optimizers/sgd.py; tf.keras 2.x
    ResourceApplyKerasMomentum is the same):
        momentum 0:  theta -= lr g
        momentum:    v = momentum v - lr g;  theta += v
        nesterov:    v = momentum v - lr g;  theta += momentum v - lr g
    Defaults lr 0.01, momentum 0, nesterov false; v starts at 0.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        self.lr, self.mom, self.nesterov = learning_rate, momentum, nesterov
        self.v = {}

    def step(self, params, grads):
        for k, g in grads.items():
            if self.mom == 0:
                params[k] -= g * self.lr
                continue
            v = self.v.setdefault(k, np.zeros_like(g))
            v[...] = v * self.mom - g * self.lr
            if self.nesterov:
                params[k] += v * self.mom - g * self.lr
            else:
                params[k] += v


class RMSprop:
    """Keras RMSprop (keras/src/optimizers/rmsprop.py, Keras 3, and the
    tf.keras >= 2.11 default optimizer), centered=False:
        s      = rho s + (1 - rho) g^2
        inc    = lr g / sqrt(s + epsilon)          (epsilon INSIDE the root)
        momentum 0:  theta -= inc
        momentum:    mom = momentum mom + inc;  theta -= mom
    Defaults lr 0.001, rho 0.9, epsilon 1e-7, momentum 0; s and mom start at
    0. (The legacy tf.keras optimizer_v2 RMSprop without momentum used
    lr g / (sqrt(s) + epsilon) instead; with momentum it used the form above.)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, momentum=0.0):
        self.lr, self.rho, self.eps, self.mom = learning_rate, rho, epsilon, momentum
        self.s, self.m = {}, {}

    def step(self, params, grads):
        for k, g in grads.items():
            s = self.s.setdefault(k, np.zeros_like(g))
            s[...] = self.rho * s + (1.0 - self.rho) * (g * g)
            inc = (self.lr * g) / np.sqrt(s + self.eps)
            if self.mom > 0:
                m = self.m.setdefault(k, np.zeros_like(g))
                m[...] = self.mom * m + inc
                params[k] -= m
            else:
                params[k] -= inc


OPTIMIZERS = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop}


def make_optimizer(spec):
    """Optimizer from a spec's `optimizer` value: a name, or a mapping with
    `type` and hyperparameters (learning_rate, beta_1, ...)."""
    if isinstance(spec, str):
        return OPTIMIZERS[spec]()
    kw = {k: v for k, v in spec.items() if k != "type"}
    return OPTIMIZERS[spec["type"]](**kw)


# ---- models ----------------------------------------------------------------------


class Model:
    """A Keras Sequential model described by a spec's `model` mapping.

    spec = {"name": ..., "input": {"type": "sequence", "timesteps", "features"}
            or {"type": "tokens", "length", "vocab"}, "layers": [...]}
    with layers {"type": "lstm"|"dense"|"embedding"|"dropout"|
    "spatial_dropout1d", ...} and the keys and defaults of the lstmc spec
    language. Layer names are Keras' defaults: the first layer of a kind is
    "lstm", the next "lstm_1", and so on. Dropout layers are the identity
    (this reference covers inference and dropout-free training only).
    Parameters live in a dict keyed "LAYER/WEIGHT" (e.g. "lstm_1/kernel").
    """

    def __init__(self, spec):
        self.spec = spec
        self.layers = []
        counts = {}
        inp = spec["input"]
        if inp["type"] == "sequence":
            shape = (inp["timesteps"], inp["features"])
        else:
            shape = (inp["length"], inp["vocab"])
        for ls in spec["layers"]:
            kind = ls["type"]
            n = counts.get(kind, 0)
            counts[kind] = n + 1
            name = ls.get("name", kind if n == 0 else "%s_%d" % (kind, n))
            layer = dict(ls, name=name)
            steps, feat = shape
            if kind == "embedding":
                layer["weights"] = {"embeddings": (inp["vocab"], ls["output_dim"])}
                shape = (steps, ls["output_dim"])
            elif kind == "lstm":
                u = ls["units"]
                layer.setdefault("activation", "tanh")
                layer.setdefault("recurrent_activation", "sigmoid")
                layer.setdefault("use_bias", True)
                layer.setdefault("return_sequences", False)
                layer["weights"] = {"kernel": (feat, 4 * u),
                                    "recurrent_kernel": (u, 4 * u)}
                if layer["use_bias"]:
                    layer["weights"]["bias"] = (4 * u,)
                shape = (steps, u) if layer["return_sequences"] else (None, u)
            elif kind == "dense":
                u = ls["units"]
                layer.setdefault("activation", "linear")
                layer.setdefault("use_bias", True)
                layer["weights"] = {"kernel": (feat, u)}
                if layer["use_bias"]:
                    layer["weights"]["bias"] = (u,)
                shape = (steps, u)
            elif kind in ("dropout", "spatial_dropout1d"):
                layer["weights"] = {}
            else:
                raise ValueError("unknown layer type %r" % kind)
            layer["out_shape"] = shape
            self.layers.append(layer)

    def weight_shapes(self):
        """[(name, shape)] in layer order, then kernel, recurrent, bias."""
        order = ("embeddings", "kernel", "recurrent_kernel", "bias")
        out = []
        for layer in self.layers:
            for w in order:
                if w in layer["weights"]:
                    out.append(("%s/%s" % (layer["name"], w), layer["weights"][w]))
        return out

    def output_shape(self):
        """Output shape without the batch axis."""
        steps, feat = self.layers[-1]["out_shape"]
        return (feat,) if steps is None else (steps, feat)

    def forward(self, params, x):
        """Returns (output, caches, per-layer outputs)."""
        caches, outs = [], []
        for layer in self.layers:
            p = lambda w: params.get("%s/%s" % (layer["name"], w))
            kind = layer["type"]
            if kind == "embedding":
                x, cache = embedding_forward(x, p("embeddings"))
            elif kind == "lstm":
                x, cache = lstm_forward(x, p("kernel"), p("recurrent_kernel"), p("bias"),
                                        layer["activation"], layer["recurrent_activation"],
                                        layer["return_sequences"])
            elif kind == "dense":
                x, cache = dense_forward(x, p("kernel"), p("bias"), layer["activation"])
            else:
                cache = None
            caches.append(cache)
            outs.append(x)
        return x, caches, outs

    def predict(self, params, x):
        return self.forward(params, x)[0]

    def loss(self, params, x, y, loss_name):
        """The batch loss Keras reports: the loss of model(x) against y,
        averaged over the batch (and time steps). A sigmoid or softmax output
        under its cross-entropy is scored from its logits."""
        return self.loss_and_grads(params, x, y, loss_name, grads=False)[0]

    def loss_and_grads(self, params, x, y, loss_name, grads=True):
        """(loss, {param name: dL/dparam}) for one batch."""
        out, caches, _ = self.forward(params, x)
        last = self.layers[-1]
        fused = LOGITS_LOSSES.get((loss_name, last.get("activation")))
        if last["type"] == "dense" and fused is not None:
            value, dz = fused(y, caches[-1]["z"])
            dy = None
        else:
            value, dy = LOSSES[loss_name](y, out)
            dz = None
        if not grads:
            return value, None
        g = {}
        for layer, cache in zip(reversed(self.layers), reversed(caches)):
            kind = layer["type"]
            if kind == "dense":
                dy, lg = dense_backward(dy, cache, dz)
                dz = None
            elif kind == "lstm":
                dy, lg = lstm_backward(dy, cache)
            elif kind == "embedding":
                lg = embedding_backward(dy, cache)
            else:
                lg = {}
            for w, v in lg.items():
                g["%s/%s" % (layer["name"], w)] = v
        return value, {k: g[k] for k, _ in self.weight_shapes()}


def train(model, params, x, y, loss_name, optimizer, batch_size, steps):
    """Keras fit() with shuffle=False for `steps` optimizer steps.

    Batches are consecutive slices of the samples in order, the last one
    possibly partial (kept, as Keras does); after the last batch the next
    epoch starts again at sample 0. Each step computes the batch loss (the
    mean over that batch's samples) and its gradient at the current weights,
    records the loss, then applies one optimizer step. Returns
    (losses [steps], batch sizes [steps]); params is updated in place.
    """
    n = x.shape[0]
    per_epoch = -(-n // batch_size)
    losses, sizes = [], []
    for s in range(steps):
        b = s % per_epoch
        sl = slice(b * batch_size, min(n, (b + 1) * batch_size))
        value, g = model.loss_and_grads(params, x[sl], y[sl], loss_name)
        losses.append(value)
        sizes.append(sl.stop - sl.start)
        optimizer.step(params, g)
    return np.array(losses), np.array(sizes)
