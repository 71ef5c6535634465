#!/bin/sh
# bench/cnn-torch.sh [THREADS] — training images per second of a small CNN, flatline
# against PyTorch on the same network, data, batch and thread count, measured in one run.
#
#   28x28x1 -> conv 3x3x16 (ReLU, same) -> max pool 2 -> conv 3x3x32 (ReLU, same) -> max
#   pool 2 -> flatten -> dense 10 (softmax), cce, Adam lr 0.001, batch 64
#
# The data are 4096 random images with labels from a fixed random linear teacher, written
# as an .npz archive by NumPy and read by flatline's npy dataset.  flatline runs with
# every detector on and stop_on = "never"; its figure is the steady state, (E2 - E1)
# epochs of images over the difference of the wall times of an E2- and an E1-epoch run,
# so start-up, data loading and the first epoch's plan do not count.  PyTorch's is its
# training loop alone (forward, loss, backward, Adam step over shuffled batches), timed
# over the same E2 - E1 epochs after a warm-up epoch.  Each figure is the best of 3
# (the shortest wall times): on a shared machine the other load only ever slows a
# repetition down, so the best is the closest to what the code costs.
#
# Needs python3 with numpy and torch (Debian 12: python3-numpy python3-torch) and the
# built tree: `make bench-cnn` (BENCH_THREADS=2 for two threads), or from the top build
# directory `sh bench/cnn-torch.sh 1`; KEEP=1 keeps the scratch directory.  Prints one
# line per framework and their ratio.
set -eu
threads=${1:-1}
top=$(pwd)
flatline=${FLATLINE:-$top/flatline}
[ -x "$flatline" ] || { echo "cnn-torch: $flatline not found; run from the build tree" >&2; exit 1; }
python=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy, torch' 2>/dev/null; then
        python=$p
        break
    fi
done
[ -n "$python" ] || { echo "cnn-torch: needs python3 with numpy and torch (Debian: python3-torch)" >&2; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/flatline-cnn-torch-XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT INT TERM
n=4096 e1=1 e2=4 reps=3
export OMP_NUM_THREADS=$threads

"$python" - "$work" "$n" <<'EOF'
import sys, numpy as np
work, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
x = rng.random((n, 28, 28, 1), dtype=np.float32)
teacher = rng.standard_normal((28 * 28, 10)).astype(np.float32)
y = np.argmax((x.reshape(n, -1) - 0.5) @ teacher, axis=1).astype(np.uint8)
np.savez(f"{work}/data.npz", x=x, y=y)
EOF

for epochs in $e1 $e2; do
    cat >"$work/cnn-$epochs.cfg" <<EOF
name = "cnn-bench";
seed = 1;
repeats = $reps;
dataset = { plugin = "npy"; path = "data.npz"; x = "x"; y = "y"; classes = 10; shuffle = false; };
model = (
  { name = "c1"; layer = "conv2d"; filters = 16; kernel = 3; activation = "relu"; padding = "same"; },
  { name = "p1"; layer = "max_pool2d"; },
  { name = "c2"; layer = "conv2d"; filters = 32; kernel = 3; activation = "relu"; padding = "same"; },
  { name = "p2"; layer = "max_pool2d"; },
  { name = "flat"; layer = "flatten"; },
  { name = "out"; units = 10; activation = "softmax"; }
);
loss = "cce";
optimizer = { plugin = "adam"; lr = 0.001; };
train = { epochs = $epochs; batch = 64; stop_on = "never"; };
detectors = ( "all" );
EOF
    "$flatline" run "$work/cnn-$epochs.cfg" -o "$work/out-$epochs" -j 1 --no-verify --quiet >/dev/null
done

# The shortest wall time (ms) of a summary.csv's runs.
best_wall() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_ms") c = i; next }
             { print $c }' "$1" | sort -g | head -1
}
w1=$(best_wall "$work/out-$e1/summary.csv")
w2=$(best_wall "$work/out-$e2/summary.csv")
fl=$(awk -v n=$n -v a=$e1 -v b=$e2 -v w1="$w1" -v w2="$w2" \
    'BEGIN { printf "%.0f", n * (b - a) / ((w2 - w1) / 1000) }')

pt=$("$python" - "$work" "$threads" "$e1" "$e2" "$reps" <<'EOF'
import sys, time, numpy as np, torch
work, threads, e1, e2, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
d = np.load(f"{work}/data.npz")
x = torch.from_numpy(np.ascontiguousarray(d["x"].transpose(0, 3, 1, 2)))  # NCHW, PyTorch's
y = torch.from_numpy(d["y"].astype(np.int64))
n = x.shape[0]
rates = []
for rep in range(reps):
    torch.manual_seed(rep)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    def epoch():
        for i in range(0, n, 64):
            xb, yb = x[i:i + 64], y[i:i + 64]
            opt.zero_grad()
            loss_fn(net(xb), yb).backward()
            opt.step()
    for _ in range(e1):
        epoch()
    t = time.perf_counter()
    for _ in range(e2 - e1):
        epoch()
    rates.append(n * (e2 - e1) / (time.perf_counter() - t))
print(f"{max(rates):.0f} {torch.__version__}")
EOF
)
echo "cnn 28x28x1 conv16-pool-conv32-pool-dense10, batch 64, Adam, $threads thread(s), $n images"
echo "  flatline (all detectors): $fl images/s"
echo "  PyTorch ${pt#* }: ${pt%% *} images/s"
awk -v a="$fl" -v b="${pt%% *}" 'BEGIN { printf "  flatline / PyTorch: %.2f\n", a / b }'
