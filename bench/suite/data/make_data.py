#!/usr/bin/env python3
"""Writes the small CSV data sets of the failure suite (bench/suite/*.cfg).

Each file stands in for the data of one public report, with the property that
matters for that report (raw feature scales, target scale, class balance, label
encoding) and nothing else.  Deterministic: one fixed seed per file, so rerunning
this script rewrites the same bytes.  Run from anywhere:

    python3 bench/suite/data/make_data.py
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, header, rows):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(fmt(v) for v in r) + "\n")


def fmt(v):
    if isinstance(v, int):
        return str(v)
    return "%.6g" % v


def standardize(col):
    m = sum(col) / len(col)
    s = math.sqrt(sum((c - m) ** 2 for c in col) / len(col))
    return [(c - m) / s for c in col]


def onehot(k, n):
    return [1 if i == k else 0 for i in range(n)]


def pow4():
    """y = x^4 on x in [-100, 100] (targets up to 1e8), and a standardized copy."""
    rnd = random.Random(52800582)
    xs = [rnd.uniform(-100, 100) for _ in range(300)]
    ys = [x ** 4 for x in xs]
    write("pow4.csv", ["x", "y"], zip(xs, ys))
    write("pow4-scaled.csv", ["x", "y"], zip(standardize(xs), standardize(ys)))


def squares():
    """x = 0..99 standardized (the report scaled x), y = x^2 + 3 raw, and y scaled."""
    xs = list(range(100))
    ys = [x * x + 3 for x in xs]
    xn = standardize(xs)
    write("squares.csv", ["x", "y"], zip(xn, ys))
    write("squares-scaled.csv", ["x", "y"], zip(xn, standardize(ys)))


def xor4():
    """The four XOR points, exactly."""
    write("xor4.csv", ["a", "b", "y"], [(1, 1, 0), (1, 0, 1), (0, 0, 0), (0, 1, 1)])


def line7():
    """The seven points of y = 2x - 1 on x = -1..5."""
    write("line7.csv", ["x", "y"], [(x, 2 * x - 1) for x in range(-1, 6)])


def houses():
    """House-price style regression: eight inputs on their raw scales (square feet,
    rooms, year built, lot size, latitude, longitude, ...) and a price in units of
    $100,000 (about 0.5-15, the California-housing convention).  houses-scaled.csv: the same rows, inputs and price
    standardized.  houses-binary.csv: the same inputs, target 1 when the price is
    above the median."""
    rnd = random.Random(44066044)
    rows = []
    for _ in range(400):
        sqft = rnd.uniform(600, 4000)
        beds = rnd.randint(1, 6)
        baths = rnd.randint(1, 4)
        year = rnd.randint(1900, 2020)
        lot = rnd.uniform(1000, 20000)
        lat = rnd.uniform(37.2, 37.9)
        lon = rnd.uniform(-122.5, -121.8)
        dist = rnd.uniform(0.5, 50.0)
        price = (0.25 * sqft + 15 * beds + 20 * baths + 0.8 * (year - 1900)
                 + 0.004 * lot - 6.0 * dist + 300 * (lat - 37.2)
                 + rnd.gauss(0, 40))
        rows.append([sqft, beds, baths, year, lot, lat, lon, dist, max(price, 50.0) / 100.0])
    head = ["sqft", "beds", "baths", "year", "lot", "lat", "lon", "dist", "price"]
    write("houses.csv", head, rows)
    cols = [standardize([r[i] for r in rows]) for i in range(9)]
    write("houses-scaled.csv", head, zip(*cols))
    prices = sorted(r[8] for r in rows)
    median = prices[len(prices) // 2]
    write("houses-binary.csv", head[:8] + ["expensive"],
          [r[:8] + [1 if r[8] > median else 0] for r in rows])


def bits3():
    """100 cases of three random bits; class 1 when more than one bit is set."""
    rnd = random.Random(123)
    rows = []
    for _ in range(100):
        b = [rnd.randint(0, 1) for _ in range(3)]
        rows.append(b + [1 if sum(b) > 1 else 0])
    write("bits3.csv", ["b0", "b1", "b2", "y"], rows)


def pixels():
    """Ten classes of 8x8 'images' with raw intensities 0..255 (a small MNIST stand-in):
    each class has a random prototype, each row is the prototype plus noise.
    pixels-const-label.csv: the same rows with every label set to class 0, which is
    what y_train / 255 becomes once a sparse categorical loss casts it to int."""
    rnd = random.Random(55328966)
    protos = [[rnd.choice([0, 0, 0, 64, 128, 255]) for _ in range(64)] for _ in range(10)]
    rows = []
    for i in range(400):
        k = i % 10
        px = [min(255, max(0, int(p + rnd.gauss(0, 40)))) for p in protos[k]]
        rows.append((px, k))
    rnd.shuffle(rows)
    head = ["p%d" % i for i in range(64)] + ["c%d" % i for i in range(10)]
    write("pixels.csv", head, [px + onehot(k, 10) for px, k in rows])
    write("pixels-const-label.csv", head, [px + onehot(0, 10) for px, k in rows])


def three_classes():
    """Three Gaussian classes in 4 inputs: labels as one integer column 0/1/2
    (classes3-int.csv) and as one-hot columns (classes3-onehot.csv)."""
    rnd = random.Random(50079585)
    centers = [[0, 0, 0, 0], [3, 3, 0, 0], [0, 3, 3, 3]]
    rows = []
    for i in range(300):
        k = i % 3
        rows.append(([c + rnd.gauss(0, 1) for c in centers[k]], k))
    head = ["x0", "x1", "x2", "x3"]
    write("classes3-int.csv", head + ["label"], [x + [k] for x, k in rows])
    write("classes3-onehot.csv", head + ["c0", "c1", "c2"], [x + onehot(k, 3) for x, k in rows])


def weak_imbalance():
    """Binary classes, 88.4% negatives, ten inputs of which two carry a weak signal
    (positives are shifted by 0.6 and -0.4 standard deviations on them, the other
    eight are noise).  weak-balanced.csv draws from the same generator at 50/50,
    what resampling or class weights would have done."""
    def draw(rnd, n, pos_frac):
        rows = []
        for _ in range(n):
            y = 1 if rnd.random() < pos_frac else 0
            x = [rnd.gauss(0, 1) for _ in range(10)]
            x[0] += 0.6 * y
            x[1] -= 0.4 * y
            rows.append(x + [y])
        return rows
    head = ["x%d" % i for i in range(10)] + ["y"]
    write("weak-imbalanced.csv", head, draw(random.Random(19283), 1000, 0.116))
    write("weak-balanced.csv", head, draw(random.Random(19284), 1000, 0.5))


def autoencoder():
    """Eight inputs in [-1, 1] driven by two latent factors, and the same eight values
    again as targets (an autoencoder reconstructs its input)."""
    rnd = random.Random(42514960)
    mix = [[rnd.uniform(-1, 1), rnd.uniform(-1, 1)] for _ in range(8)]
    rows = []
    for _ in range(300):
        z = [rnd.uniform(-1, 1), rnd.uniform(-1, 1)]
        x = [math.tanh(1.5 * (m[0] * z[0] + m[1] * z[1])) for m in mix]
        rows.append(x + x)
    head = ["x%d" % i for i in range(8)] + ["t%d" % i for i in range(8)]
    write("autoencoder.csv", head, rows)


def images():
    """Small images for the convolutional cases (bench/suite/cnn/):
    patches.csv: 8x8x3 raw 0..255 images, class 1 when a bright patch sits in the
    left half, 0 when in the right half (a cats-vs-dogs stand-in);
    img3-int.csv / img3-onehot.csv: 8x8x1 images of three classes (horizontal bar,
    vertical bar, diagonal), scaled to [0, 1], label as one 0/1/2 column or one-hot."""
    rnd = random.Random(58609115)
    rows = []
    for i in range(200):
        y = i % 2
        c0 = rnd.randint(0, 2) if y == 1 else rnd.randint(4, 6)
        r0 = rnd.randint(0, 6)
        px = []
        for r in range(8):
            for c in range(8):
                bright = r0 <= r < r0 + 2 and c0 <= c < c0 + 2
                for ch in range(3):
                    base = 200 if bright else 40
                    px.append(min(255, max(0, int(base + rnd.gauss(0, 25)))))
        rows.append(px + [y])
    head = ["p%d" % i for i in range(192)] + ["left"]
    write("patches.csv", head, rows)
    rows = []
    for i in range(300):
        k = i % 3
        px = []
        off = rnd.randint(1, 6)
        for r in range(8):
            for c in range(8):
                on = (k == 0 and r == off) or (k == 1 and c == off) or (k == 2 and r == c)
                px.append(round(min(1.0, max(0.0, (0.9 if on else 0.1) + rnd.gauss(0, 0.1))), 2))
        rows.append((px, k))
    head = ["p%d" % i for i in range(64)]
    write("img3-int.csv", head + ["label"], [px + [k] for px, k in rows])
    write("img3-onehot.csv", head + ["c0", "c1", "c2"], [px + onehot(k, 3) for px, k in rows])


def xor4_onehot():
    """The four XOR points with the two one-hot target columns of the AI Stack Exchange
    question 27010 (y1 = 1 where the inputs differ, y2 = 1 where they agree)."""
    write("xor4-onehot.csv", ["x1", "x2", "y1", "y2"],
          [(0, 0, 0, 1), (0, 1, 1, 0), (1, 0, 1, 0), (1, 1, 0, 1)])


def bcd7():
    """BCD digit (4 bits) to the 7 segments a-g of a display, both coded -1/+1 as in
    Stack Overflow 13632976 ("0 is -1 and 1 is 1"): ten rows.  bcd7-09.csv: the
    same with the segment targets at -0.9/+0.9."""
    seg = {0: "abcdef", 1: "bc", 2: "abdeg", 3: "abcdg", 4: "bcfg", 5: "acdfg",
           6: "acdefg", 7: "abc", 8: "abcdefg", 9: "abcdfg"}
    rows = []
    for d in range(10):
        bits = [1 if d & (8 >> i) else -1 for i in range(4)]
        rows.append(bits + [1 if c in seg[d] else -1 for c in "abcdefg"])
    write("bcd7.csv", ["b3", "b2", "b1", "b0"] + list("abcdefg"), rows)
    # the fix a comment gives: targets at +-0.9, inside the range tanh reaches
    write("bcd7-09.csv", ["b3", "b2", "b1", "b0"] + list("abcdefg"),
          [r[:4] + [0.9 * v for v in r[4:]] for r in rows])


def numerai_like():
    """Numerai-style tournament data: 20 features and a target, each binned to
    0, 0.25, 0.5, 0.75, 1; the target is a noisy function of 4 of the features (a linear
    signal carries about a fifth of its variance, i.e. a noisy domain)."""
    rnd = random.Random(3848)
    bins = [0.0, 0.25, 0.5, 0.75, 1.0]
    rows = []
    for _ in range(2000):
        f = [rnd.choice(bins) for _ in range(20)]
        z = 0.45 * (0.6 * (f[0] - 0.5) - 0.5 * (f[1] - 0.5) + 1.6 * (f[2] - 0.5) * (f[3] - 0.5))
        t = 0.5 + z + rnd.gauss(0, 0.33)
        t = min(bins, key=lambda b: abs(b - t))
        rows.append(f + [t])
    write("numerai-like.csv", ["f%d" % i for i in range(20)] + ["target"], rows)


def heart_like():
    """Heart-disease style tabular data (the UCI/Kaggle set: 1025 patients, 13 clinical
    attributes on their raw scales, about 51/49 classes); the label follows a logistic
    rule of the attributes that a small MLP can learn to ~90%."""
    rnd = random.Random(1025)
    rows = []
    for _ in range(1025):
        age = rnd.randint(29, 77)
        sex = rnd.randint(0, 1)
        cp = rnd.randint(0, 3)
        bps = rnd.randint(94, 200)
        chol = rnd.randint(126, 564)
        fbs = 1 if rnd.random() < 0.15 else 0
        ecg = rnd.randint(0, 2)
        thalach = rnd.randint(71, 202)
        exang = rnd.randint(0, 1)
        oldpeak = round(rnd.uniform(0, 6.2), 1)
        slope = rnd.randint(0, 2)
        ca = rnd.randint(0, 4)
        thal = rnd.randint(0, 3)
        z = (0.9 * cp - 1.2 * exang - 0.8 * oldpeak + 0.04 * (thalach - 150)
             - 0.8 * ca - 0.7 * sex + 0.6 * slope - 0.03 * (age - 54) + 3.6
             + rnd.gauss(0, 0.8))
        rows.append([age, sex, cp, bps, chol, fbs, ecg, thalach, exang, oldpeak,
                     slope, ca, thal, 1 if z > 0 else 0])
    head = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach",
            "exang", "oldpeak", "slope", "ca", "thal", "target"]
    write("heart-like.csv", head, rows)


def imbalance95():
    """95% label 1 and 5% label 0 (Stack Overflow 46759662): 2000 rows, 10 standard
    normal inputs, label-0 rows shifted by 1 in three of them (a real but overlapping
    signal).  imbalance95-twin.csv is not needed: the twin reweights the classes."""
    rnd = random.Random(46759662)
    rows = []
    for i in range(2000):
        y = 0 if i % 20 == 0 else 1
        x = [rnd.gauss(0, 1) for _ in range(10)]
        if y == 0:
            for k in range(3):
                x[k] += 1.0
        rows.append(x + [y])
    rnd.shuffle(rows)
    write("imbalance95.csv", ["x%d" % i for i in range(10)] + ["label"], rows)


def make_regression20():
    """scikit-learn's make_regression(n_samples=1000, n_features=20, noise=0.1) as the
    Machine Learning Mastery tutorials call it, re-implemented: standard normal inputs,
    10 informative features with coefficients 100 * U(0, 1), no bias, noise 0.1 (targets
    of std ~180).  Not the same draws as scikit-learn's, the same distribution."""
    rnd = random.Random(1)
    informative = rnd.sample(range(20), 10)
    coef = [0.0] * 20
    for k in informative:
        coef[k] = 100.0 * rnd.random()
    rows = []
    for _ in range(1000):
        x = [rnd.gauss(0, 1) for _ in range(20)]
        y = sum(c * v for c, v in zip(coef, x)) + rnd.gauss(0, 0.1)
        rows.append(x + [y])
    write("regression20.csv", ["x%d" % i for i in range(20)] + ["y"], rows)


def two_targets():
    """Two different 3-class targets of the same 4 standard normal inputs (one-hot,
    columns a0-a2 and b0-b2), for the two-heads report (discuss.pytorch.org 49447):
    target a is the argmax of one random linear map, target b of another."""
    rnd = random.Random(49447)
    wa = [[rnd.gauss(0, 1) for _ in range(4)] for _ in range(3)]
    wb = [[rnd.gauss(0, 1) for _ in range(4)] for _ in range(3)]
    rows = []
    for _ in range(600):
        x = [rnd.gauss(0, 1) for _ in range(4)]
        sa = [sum(w * v for w, v in zip(r, x)) for r in wa]
        sb = [sum(w * v for w, v in zip(r, x)) for r in wb]
        rows.append(x + onehot(sa.index(max(sa)), 3) + onehot(sb.index(max(sb)), 3))
    write("two-targets.csv", ["x0", "x1", "x2", "x3", "a0", "a1", "a2", "b0", "b1", "b2"],
          rows)


def houses_dollars():
    """The rows of houses.csv (as written, inputs raw) with the price in dollars
    instead of $100,000 (about 50,000-1,500,000), for Cross Validated 409000 (house
    prices around $250,000 fed to the net as they are)."""
    with open(os.path.join(HERE, "houses.csv")) as f:
        head = f.readline().strip().split(",")
        rows = [[float(v) for v in line.strip().split(",")] for line in f if line.strip()]
    write("houses-dollars.csv", head, [r[:8] + [round(r[8] * 100000.0)] for r in rows])


def imbalance5():
    """Five classes at 5.6/7.7/35.6/45.7/5.4% (the class shares Stack Overflow's "Keras
    multi-class prediction output is limited to one class" reports), 20 standard normal
    inputs; each class shifts four of them by 0.5 (a weak signal: a classifier does a
    little better than always answering the majority class).  One-hot c0-c4."""
    rnd = random.Random(20170402)
    shares = [0.056, 0.077, 0.356, 0.457, 0.054]
    rows = []
    for _ in range(2000):
        u = rnd.random()
        k, acc = 0, shares[0]
        while u > acc and k < 4:
            k += 1
            acc += shares[k]
        x = [rnd.gauss(0, 1) for _ in range(20)]
        for j in range(4):
            x[4 * k + j] += 0.5
        rows.append(x + onehot(k, 5))
    write("imbalance5.csv", ["x%d" % i for i in range(20)] + ["c%d" % i for i in range(5)], rows)


def pixels15():
    """MNIST digits "1" and "5" only, as 8x8 raw 0..255 stand-ins (one prototype per
    digit plus noise, 600 rows): pixels15.csv keeps the labels as the digits 1 and 5
    (the Stack Overflow report's y_train); pixels15-01.csv relabels 5 as 0."""
    rnd = random.Random(64630464)
    protos = {d: [rnd.choice([0, 0, 0, 64, 128, 255]) for _ in range(64)] for d in (1, 5)}
    rows = []
    for i in range(600):
        d = 1 if i % 2 == 0 else 5
        rows.append(([min(255, max(0, int(p + rnd.gauss(0, 60)))) for p in protos[d]], d))
    rnd.shuffle(rows)
    head = ["p%d" % i for i in range(64)] + ["y"]
    write("pixels15.csv", head, [px + [d] for px, d in rows])
    write("pixels15-01.csv", head, [px + [1 if d == 1 else 0] for px, d in rows])


def binvec():
    """Binary vectors mapped to real values (AI Stack Exchange 16557): 16 random 0/1
    inputs, the target a fixed random two-layer tanh function of them, standardized
    (the report gives no scale; ours is unit scale so that only the depth matters)."""
    rnd = random.Random(16557)
    w1 = [[rnd.gauss(0, 0.5) for _ in range(16)] for _ in range(8)]
    w2 = [rnd.gauss(0, 1) for _ in range(8)]
    xs, ys = [], []
    for _ in range(1000):
        x = [rnd.randint(0, 1) for _ in range(16)]
        h = [math.tanh(sum(w * v for w, v in zip(r, x)) - 1.0) for r in w1]
        xs.append(x)
        ys.append(sum(w * v for w, v in zip(w2, h)))
    ys = standardize(ys)
    write("binvec.csv", ["b%d" % i for i in range(16)] + ["y"], [x + [y] for x, y in zip(xs, ys)])


def tanh14():
    """Targets 1..4 for a tanh-output network (Stack Overflow 3644795): two integer
    inputs 0..3 and the target (a + b) / 2 + 1, the sixteen patterns.  tanh14-scaled.csv:
    inputs and targets multiplied by 0.1, the answer's fix."""
    rows = [(a, b, (a + b) / 2.0 + 1.0) for a in range(4) for b in range(4)]
    write("tanh14.csv", ["a", "b", "y"], rows)
    write("tanh14-scaled.csv", ["a", "b", "y"], [(0.1 * a, 0.1 * b, 0.1 * y) for a, b, y in rows])


def img5_sorted():
    """img5-sorted.csv: 8x8x1 images of five classes (horizontal bar, vertical bar,
    diagonal, anti-diagonal, hollow square), scaled to [0, 1], one-hot labels, 100 rows
    per class and the rows SORTED by class, as a data set read class by class from
    its folders: Keras' validation_split (the last 20% of the rows, before any
    shuffle) then holds exactly the whole fifth class (keras-team/keras#8346)."""
    rnd = random.Random(8346)
    rows = []
    for k in range(5):
        for _ in range(100):
            off = rnd.randint(1, 6)
            lo = rnd.randint(0, 3)
            hi = lo + 4
            px = []
            for r in range(8):
                for c in range(8):
                    on = ((k == 0 and r == off) or (k == 1 and c == off) or (k == 2 and r == c)
                          or (k == 3 and r + c == 7)
                          or (k == 4 and lo <= r <= hi and lo <= c <= hi
                              and (r in (lo, hi) or c in (lo, hi))))
                    px.append(round(min(1.0, max(0.0, (0.9 if on else 0.1) + rnd.gauss(0, 0.1))), 2))
            rows.append(px + onehot(k, 5))
    write("img5-sorted.csv", ["p%d" % i for i in range(64)] + ["c%d" % i for i in range(5)], rows)


def targets_0_100():
    """Stack Overflow 14982358: 43 standardized features, one target between 0 and
    100 (a smooth function of the features, 500 rows): targets-0-100.csv.
    targets-0-1.csv: the same rows with the target divided by 100, the answer's fix."""
    rnd = random.Random(14982358)
    w = [rnd.gauss(0, 1) for _ in range(43)]
    rows = []
    for _ in range(500):
        x = [rnd.gauss(0, 1) for _ in range(43)]
        z = sum(a * b for a, b in zip(w, x)) / math.sqrt(43.0)
        rows.append(x + [round(50.0 + 50.0 * math.tanh(0.8 * z), 3)])
    head = ["f%d" % i for i in range(43)] + ["y"]
    write("targets-0-100.csv", head, rows)
    write("targets-0-1.csv", head, [r[:43] + [r[43] / 100.0] for r in rows])


def sin_sum():
    """Stack Overflow 5105718: four inputs in {-1, 0, 1}, target sin of their sum;
    all 81 patterns (sin-sum.csv)."""
    rows = []
    for a in (-1, 0, 1):
        for b in (-1, 0, 1):
            for c in (-1, 0, 1):
                for d in (-1, 0, 1):
                    rows.append((a, b, c, d, math.sin(a + b + c + d)))
    write("sin-sum.csv", ["a", "b", "c", "d", "y"], rows)


def neg_curve():
    """Stack Overflow 58887284: x = linspace(-1, 1, 111) and the target
    -1 / (exp(10 x) + 1), all in (-1, 0) (neg-curve.csv); pos-curve.csv: the
    answer's fix, the target 1 / (exp(10 x) + 1)."""
    xs = [-1.0 + 2.0 * i / 110 for i in range(111)]
    write("neg-curve.csv", ["x", "y"], [(x, -1.0 / (math.exp(10.0 * x) + 1.0)) for x in xs])
    write("pos-curve.csv", ["x", "y"], [(x, 1.0 / (math.exp(10.0 * x) + 1.0)) for x in xs])


def sine_raw():
    """Data Science SE 19365: x = 0..99 (raw) and y = sin(x) (sine-raw.csv);
    sine-scaled.csv: the answer's x = arange(200) / 50 and y = sin(x)."""
    write("sine-raw.csv", ["x", "y"], [(x, math.sin(x)) for x in range(100)])
    write("sine-scaled.csv", ["x", "y"], [(i / 50.0, math.sin(i / 50.0)) for i in range(200)])


def sine_relu():
    """Data Science SE 28191: X_train = arange(0.0, 314.1, 0.1), Y_train = sin(X_train)
    (sine-314.csv, 3142 rows)."""
    xs = [round(0.1 * i, 1) for i in range(3142)]
    write("sine-314.csv", ["x", "y"], [(x, math.sin(x)) for x in xs])


def target_2700():
    """PyTorch forum 41046: inputs scaled to [-1, 1], "corresponding targets are all values
    around -2700" (target-2700.csv: 4 inputs, y = -2700 + 50 * a smooth function of them,
    400 rows), and the same rows with y min-max scaled to [0, 1] (the fix; target-2700-01.csv)."""
    rnd = random.Random(41046)
    rows = []
    for _ in range(400):
        x = [rnd.uniform(-1, 1) for _ in range(4)]
        f = math.sin(math.pi * x[0]) + x[1] * x[2] + 0.5 * x[3]
        rows.append(x + [-2700.0 + 50.0 * f])
    head = ["x0", "x1", "x2", "x3", "y"]
    write("target-2700.csv", head, rows)
    lo = min(r[4] for r in rows)
    hi = max(r[4] for r in rows)
    write("target-2700-01.csv", head, [r[:4] + [(r[4] - lo) / (hi - lo)] for r in rows])


def wd11():
    """Cross Validated 117622: 11 normalized inputs, a binary 0/1 label that a small
    network classifies 99% right; 56% of the rows are class 0 (the 56% the asker gets
    with weight decay is the majority rate).  500 rows, label = w.x above the 56% quantile."""
    rnd = random.Random(117622)
    w = [rnd.gauss(0, 1) for _ in range(11)]
    xs = [[rnd.gauss(0, 1) for _ in range(11)] for _ in range(500)]
    s = [sum(a * b for a, b in zip(w, x)) for x in xs]
    cut = sorted(s)[280]
    rows = [x + [1 if v >= cut else 0] for x, v in zip(xs, s)]
    write("wd11.csv", ["x%d" % i for i in range(11)] + ["y"], rows)


def cifar_like():
    """keras-team/keras#4066 (cifar10_cnn.py): ten classes of 8x8x3 colour 'images',
    already divided by 255 as the example does (values in [0, 1]); a random prototype per
    class plus noise, 1000 rows (cifar-like.csv)."""
    rnd = random.Random(4066)
    protos = [[rnd.random() for _ in range(192)] for _ in range(10)]
    rows = []
    for i in range(1000):
        k = i % 10
        px = [min(1.0, max(0.0, p + rnd.gauss(0, 0.25))) for p in protos[k]]
        rows.append(px + onehot(k, 10))
    rnd.shuffle(rows)
    head = ["p%d" % i for i in range(192)] + ["c%d" % i for i in range(10)]
    write("cifar-like.csv", head, rows)


if __name__ == "__main__":
    images()
    xor4()
    pow4()
    squares()
    line7()
    houses()
    bits3()
    pixels()
    three_classes()
    weak_imbalance()
    autoencoder()
    xor4_onehot()
    bcd7()
    numerai_like()
    heart_like()
    imbalance95()
    make_regression20()
    two_targets()
    houses_dollars()
    imbalance5()
    pixels15()
    binvec()
    tanh14()
    img5_sorted()
    targets_0_100()
    sin_sum()
    neg_curve()
    sine_raw()
    sine_relu()
    target_2700()
    wd11()
    cifar_like()
