"""Where each figure quoted in the notebooks' markdown and the quiz banks comes from.

``QUOTES`` is the table (checked by ``tests/test_quoted_numbers.py``): one line per phrase that
quotes figures, ``Quote(document, phrase, one source per figure in the phrase)``. A document is a
notebook's folder (its markdown cells) or ``quiz/<bank>`` (the bank's strings); a phrase is found
with its figures standing for any number, so a changed figure is compared with its source.

- A **traced** figure names a committed result: ``SVP("strategies/scratch/accuracy/mean")`` is
  that value of ``data/results/scratch_vs_pretrained.json``; ``*`` and ``{a,b}`` in a path select
  several values for ``Lowest``, ``Highest``, ``Mean``, ``Std``; ``Diff``, ``Ratio``, ``Percent``
  and ``Rounded`` derive a value. The figure must equal the value rounded to the figure's own
  decimals (``AtMost``/``AtLeast``: the figure is a bound the value must keep).
- A figure that is **not a measured result** is marked, with the reason: ``Live`` (a cell of the
  notebook computes and prints it), ``Setting`` (a chosen value), ``Fact`` (arithmetic on an
  architecture or a data set's size), ``Cited`` (a publication's number). One marker in a line
  covers every figure of its phrase.

A learning rate written as ``1e-N`` that a committed run used needs no line (``ResultsData.rates``).
"""

from __future__ import annotations

import copy
import fnmatch
import json
import operator
import statistics
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Texts the finder skips: they hold numbers that are not measurements.
NOT_FIGURES = {
    "an exercise's grading points": r"\*\*\d+ points\*\*|\(\d+ points?\b|\d+ \+ \d+ \+ \d+ points|\d+ points? per",
}


class ResultsData:
    """The committed results (``data/results/*.json``) and the data split card, by file stem."""

    def __init__(self, data: dict | None = None):
        if data is None:
            data = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted((ROOT / "data" / "results").glob("*.json"))}
            data["foodvision7_split"] = json.loads((ROOT / "data" / "foodvision7_split.json").read_text("utf-8"))
        self.data = data

    def copy(self) -> "ResultsData":
        return ResultsData(copy.deepcopy(self.data))

    def select(self, path: str) -> list:
        """Every value at ``file:key/key/...``; a key may be ``*``, ``{a,b}`` or, in a list, ``last``."""
        stem, _, keys = path.partition(":")
        if stem not in self.data:
            raise KeyError(f"{path}: no results file {stem!r} (one of {sorted(self.data)})")
        nodes = [self.data[stem]]
        for key in keys.split("/"):
            options = key[1:-1].split(",") if key.startswith("{") else [key]
            found = []
            for node in nodes:
                if isinstance(node, list) and key == "last":
                    found.append(node[-1])
                    continue
                names = [str(i) for i in range(len(node))] if isinstance(node, list) else list(node)
                for name in names:
                    if any(fnmatch.fnmatchcase(name, o) for o in options):
                        found.append(node[int(name)] if isinstance(node, list) else node[name])
            if not found:
                raise KeyError(f"{path}: nothing at {key!r}")
            nodes = found
        return nodes

    def get(self, path: str) -> float:
        values = self.select(path)
        if len(values) != 1:
            raise KeyError(f"{path}: {len(values)} values, not one")
        return values[0]

    def rates(self) -> set[Decimal]:
        """The learning rates of the committed runs: the budgets, the layer-wise stem rate, the sweep."""
        rates = set()
        for d in self.data.values():
            budget = d.get("budget", {})
            rates |= {budget[k] for k in ("head_lr", "base_lr", "scratch_lr") if k in budget}
            if "layer_lr_ratio" in budget:
                rates.add(budget["base_lr"] / budget["layer_lr_ratio"])
            rates |= set(d.get("lrs", []))
        return {Decimal(repr(float(r))).normalize() for r in rates}


RESULTS = ResultsData()


class Source:
    bound = None

    def value(self, results: ResultsData) -> float:
        raise NotImplementedError


@dataclass(frozen=True)
class At(Source):
    path: str

    def value(self, results):
        return float(results.get(self.path))

    def __str__(self):
        return self.path


@dataclass(frozen=True)
class _Of(Source):
    """A function of every value a path selects (or of a tuple of sources)."""
    path: str | tuple
    name = ""

    def value(self, results):
        values = [s.value(results) for s in self.path] if isinstance(self.path, tuple) else results.select(self.path)
        return float(self.reduce([float(v) for v in values]))

    def __str__(self):
        inner = ", ".join(map(str, self.path)) if isinstance(self.path, tuple) else self.path
        return f"{self.name}({inner})"


class Lowest(_Of):
    name, reduce = "lowest", staticmethod(min)


class Highest(_Of):
    name, reduce = "highest", staticmethod(max)


class Mean(_Of):
    name, reduce = "mean", staticmethod(statistics.fmean)


class Std(_Of):
    name, reduce = "sample std", staticmethod(statistics.stdev)


class Total(_Of):
    name, reduce = "total", staticmethod(sum)


@dataclass(frozen=True)
class _Pair(Source):
    """A value computed from two sources."""
    a: Source
    b: Source
    symbol = ""

    def value(self, results):
        return self.apply(self.a.value(results), self.b.value(results))

    def __str__(self):
        return f"({self.a} {self.symbol} {self.b})"


class Diff(_Pair):
    symbol, apply = "-", staticmethod(operator.sub)


class Ratio(_Pair):
    symbol, apply = "/", staticmethod(operator.truediv)


@dataclass(frozen=True)
class _Scaled(Source):
    """A value quoted in other units."""
    a: Source
    factor, unit = 1.0, ""

    def value(self, results):
        return self.factor * self.a.value(results)

    def __str__(self):
        return f"{self.a} in {self.unit}"


class Percent(_Scaled):
    """A fraction quoted in percent or in accuracy points."""
    factor, unit = 100, "percent"


class Millions(_Scaled):
    """A count quoted in millions (3.4 million)."""
    factor, unit = 1e-6, "millions"


@dataclass(frozen=True)
class Rounded(Source):
    """A value as the text shows it elsewhere (for a difference of two quoted figures)."""
    a: Source
    digits: int

    def value(self, results):
        return round(self.a.value(results), self.digits)

    def __str__(self):
        return f"round({self.a}, {self.digits})"


@dataclass(frozen=True)
class _Bound(Source):
    a: Source

    def value(self, results):
        return self.a.value(results)

    def __str__(self):
        return str(self.a)


class AtMost(_Bound):
    """The figure is an upper bound ("between 0.30 and 0.40"): it must be >= the value."""
    bound = "above"


class AtLeast(_Bound):
    """The figure is a lower bound: it must be <= the value."""
    bound = "below"


@dataclass(frozen=True)
class Marker:
    """A figure that is not a measured result, and why."""
    why: str
    kind = "not measured"


class Live(Marker):
    kind = "computed live in the notebook"


class Setting(Marker):
    kind = "a chosen setting"


class Fact(Marker):
    kind = "arithmetic or a fact, not a measurement"


class Cited(Marker):
    kind = "quoted from a publication"


class Quote:
    """A phrase of a document and, in order, the source of each figure it quotes."""

    def __init__(self, doc: str, phrase: str, *sources):
        self.doc, self.phrase, self.sources = doc, phrase, sources

    def __str__(self):
        return f"{self.doc}: {self.phrase!r}"


def results(stem: str):
    """``SVP = results("scratch_vs_pretrained")``; ``SVP("a/b")`` is ``At("scratch_vs_pretrained:a/b")``."""
    return lambda path: At(f"{stem}:{path}")


# --- the table ------------------------------------------------------------------------------------

SVP = results("scratch_vs_pretrained")
BN = results("batchnorm_modes")
RATES = results("finetune_rates")
SWEEP = results("scratch_batchnorm_sweep")
LR = results("lr_sweep_head")
PAIR = results("foodvision7_pair_d2l")
SPLIT = results("foodvision7_split")

NB1, NB2, NB3, NB4 = "01_concepts", "02_foodvision_head", "03_hotdog_finetune", "04_scratch_vs_pretrained"
Q1, Q2, Q3, Q4 = "quiz/concepts", "quiz/foodvision_head", "quiz/hotdog_finetune", "quiz/scratch_vs_pretrained"


def acc(strategy):
    """Mean and std of a strategy's test accuracy over the seeds (scratch_vs_pretrained)."""
    return SVP(f"strategies/{strategy}/accuracy/mean"), SVP(f"strategies/{strategy}/accuracy/std")


def swept(strategy, share):
    """Mean test accuracy of the data-size sweep at one share (0: 10 %, 1: 25 %, 2: 50 %, 3: 100 %)."""
    return SVP(f"sweep/strategies/{strategy}/{share}/mean")


def row(n, key="accuracy", stat="mean"):
    """A row of the learning-rate ablation: 0/1 feature extraction (bn updated/fixed), 2/3 full
    fine-tuning at the course's rates, 4/5 full fine-tuning with the base at the head's rate."""
    return RATES(f"rates/rows/{n}/{key}/{stat}")


def bn(strategy, mode):
    return BN(f"modes/{strategy}/{mode} ({'train' if mode == 'updated' else 'eval'} mode)/accuracy/mean")


def bn_sweep(share, kind, stat="mean"):
    """The scratch batch-norm sweep: ``as_trained`` or ``recomputed`` at one share."""
    return SWEEP(f"sweep/rows/{share}/{kind}/{stat}")


def share(i):
    return Percent(SVP(f"sweep/fractions/{i}"))


PRETRAINED = "{feature_extraction,partial_finetune,full_finetune,head_then_unfreeze}"
LARGEST_CLASS = SWEEP("largest_class_share")
TEST_PHOTOS = Total("foodvision7_split:counts/test/*")
GAPS = tuple(Diff(swept("feature_extraction", i), swept("scratch", i)) for i in range(4))
FE_SEEDS_10PC_AND_SCRATCH_SEEDS = (*(SVP(f"sweep/strategies/feature_extraction/0/values/{i}") for i in range(3)),
                                   *(SVP(f"strategies/scratch/accuracy/values/{i}") for i in range(3)))

IMAGENET_NORMALIZATION = Setting("ImageNet's channel means and standard deviations (torchvision's weights)")
D2L_RATES = Setting("d2l's fine-tuning recipe: base 5e-5, head 10x, scratch 5e-4")
D2L_RESULT = Cited("d2l, section 'Fine-Tuning' (hot dog): its printed test accuracies")
ONE_PHOTO = Fact("one test photo of 89 is 1/89 = 1.1 % of accuracy")

QUOTES = [
    # --- notebook 1: concepts ---
    Quote(NB1, "gives it about 1.3 million of those photos", Cited("ImageNet-1k's training set")),
    Quote(NB1, "About 0.02% of the parameters learn", Live("exercise 2's check cell prints the share")),
    Quote(NB1, "(EfficientNet-Lite0, 3.4 million parameters", Millions(SVP("strategies/scratch/total_params"))),
    Quote(NB1, "trained from scratch the network reaches 0.44 test accuracy; fine-tuned in full from its ImageNet "
               "weights it reaches 0.77, as good as a head on the frozen base (0.74",
          acc("scratch")[0], acc("full_finetune")[0], acc("feature_extraction")[0]),
    Quote(NB1, "(often 10 to 100 times smaller than for a new head)", Setting("a common rule of thumb")),
    Quote(NB1, "2,565 of 11.2 million parameters learn", Live("exercise 2 counts them")),

    # --- notebook 2: FoodVision head ---
    Quote(NB2, "about 1.3 million training images", Cited("ImageNet-1k's training set")),
    Quote(NB2, "Almost all of the 11.7 million parameters", Live("the cell above counts ResNet-18's parameters")),
    Quote(NB2, "3,591 parameters out of about 11.2 million", Live("the inspector and the next cell count them")),
    Quote(NB2, "put this strategy at 0.742 ± 0.019, where always answering the largest class scores 0.258",
          *acc("feature_extraction"), LARGEST_CLASS),

    # --- notebook 3: hot dog ---
    Quote(NB3, "mean `[0.485, 0.456, 0.406]`, std `[0.229, 0.224, 0.225]`", IMAGENET_NORMALIZATION),
    Quote(NB3, "(8% to 100% of the photo", Setting("RandomResizedCrop's default scale")),
    Quote(NB3, "with probability 0.5", Setting("RandomHorizontalFlip's default")),
    Quote(NB3, r"\sqrt{6/514} \approx 0.108", Fact("Xavier-uniform bound for Linear(512, 2)")),
    Quote(NB3, r"\pm 1/\sqrt{512} \approx 0.044", Fact("nn.Linear's default bound for 512 inputs")),
    Quote(NB3, "weight_decay=0.001)", D2L_RATES),
    Quote(NB3, "**Weight decay** 0.001", D2L_RATES),
    Quote(NB3, "with weight decay `0.001`", D2L_RATES),
    Quote(NB3, "SGD with weight decay 0.001", D2L_RATES),
    Quote(NB3, "5e-5 for the base, so 5e-4 for the head", D2L_RATES),
    Quote(NB3, "one larger learning rate, 5e-4", D2L_RATES),
    Quote(NB3, "reaches 0.939 test accuracy and the same network from scratch 0.843", D2L_RESULT),
    Quote(NB3, "(d2l, 2 GPUs): 0.939 vs 0.843", D2L_RESULT),
    Quote(NB3, "always answering the larger class scores 0.535", PAIR("largest_class_share")),
    Quote(NB3, "Read the scratch row against 0.535", PAIR("largest_class_share")),
    Quote(NB3, "fine-tuning reaches 0.822 ± 0.075 and scratch 0.543 ± 0.036",
          Mean("foodvision7_pair_d2l:runs/*/fine-tuned/accuracy"), Std("foodvision7_pair_d2l:runs/*/fine-tuned/accuracy"),
          Mean("foodvision7_pair_d2l:runs/*/scratch/accuracy"), Std("foodvision7_pair_d2l:runs/*/scratch/accuracy")),
    Quote(NB3, "The fine-tuned runs spread from 0.77 to 0.91",
          Lowest("foodvision7_pair_d2l:runs/*/fine-tuned/accuracy"),
          Highest("foodvision7_pair_d2l:runs/*/fine-tuned/accuracy")),

    # --- notebook 4: scratch vs pretrained ---
    Quote(NB4, "from 3,591 to about 8.4 million", Live("the cell above counts ResNet-18's blocks")),
    Quote(NB4, "a whole number `k` from 0 to 5", Setting("exercise 1's argument range")),
    Quote(NB4, "answer in 5 to 10 sentences", Setting("exercise 3's length")),
    Quote(NB4, "`1e-3` for a new head, `1e-4` for pretrained layers being fine-tuned",
          SVP("budget/head_lr"), SVP("budget/base_lr")),
    Quote(NB4, "`1e-3` for every layer of the scratch network", SVP("budget/scratch_lr")),
    Quote(NB4, "(`1e-4` against `1e-3`; the head gets `1e-3` in both)",
          SVP("budget/base_lr"), SVP("budget/scratch_lr"), SVP("budget/head_lr")),
    Quote(NB4, "keeping the statistics fixed gave 0.77 and updating them 0.67",
          bn("full_finetune", "kept fixed"), bn("full_finetune", "updated")),
    Quote(NB4, "updating them is the better choice (0.44 against 0.28)", bn("scratch", "updated"),
          bn("scratch", "kept fixed")),
    Quote(NB4, "gave 0.62 against 0.74 with them fixed", row(0), row(1)),
    Quote(NB4, "they are at 0.54 to 0.70 after the first epoch",
          Lowest(f"scratch_vs_pretrained:strategies/{PRETRAINED}/curves/test_acc/*/0"),
          Highest(f"scratch_vs_pretrained:strategies/{PRETRAINED}/curves/test_acc/*/0")),
    Quote(NB4, "scratch ends at 0.82 to 0.89 accuracy on its training photos and 0.39 to 0.51 on the test photos",
          Lowest("scratch_vs_pretrained:strategies/scratch/curves/train_acc/*/last"),
          Highest("scratch_vs_pretrained:strategies/scratch/curves/train_acc/*/last"),
          Lowest("scratch_vs_pretrained:strategies/scratch/accuracy/values/*"),
          Highest("scratch_vs_pretrained:strategies/scratch/accuracy/values/*")),
    Quote(NB4, "on 10 %, 25 %, 50 % and 100 % of the training photos", share(0), share(1), share(2), share(3)),
    Quote(NB4, "The 100 % points are the runs above", share(3)),
    Quote(NB4, "a single image is more than 1 % of accuracy", ONE_PHOTO),
    Quote(NB4, "`1e-3` for the head, `1e-4` for the block next to it, falling by the same factor block by block "
               "to `1e-5` for the stem",
          SVP("budget/head_lr"), SVP("budget/base_lr"), Ratio(SVP("budget/base_lr"), SVP("budget/layer_lr_ratio"))),
    Quote(NB4, "end between 0.74 and 0.77",
          Lowest(f"scratch_vs_pretrained:strategies/{PRETRAINED}/accuracy/mean"),
          Highest(f"scratch_vs_pretrained:strategies/{PRETRAINED}/accuracy/mean")),
    Quote(NB4, "Scratch ends at 0.44 ± 0.06, about 30 points lower", *acc("scratch"),
          Percent(Diff(acc("feature_extraction")[0], acc("scratch")[0]))),
    Quote(NB4, "ends at 0.760 ± 0.017: between feature extraction (0.742 ± 0.019) and full fine-tuning (0.768 ± 0.036)",
          *acc("head_then_unfreeze"), *acc("feature_extraction"), *acc("full_finetune")),
    Quote(NB4, "the scratch network stays at 0.21-0.29",
          Lowest(tuple(swept("scratch", i) for i in range(3))), Highest(tuple(swept("scratch", i) for i in range(3)))),
    Quote(NB4, "0.258 for marine fish (23 of 89), 0.225 for other vegetables (20 of 89)",
          Ratio(SPLIT("counts/test/Marine Fish"), TEST_PHOTOS), Ratio(SPLIT("counts/test/Other Vegetables"), TEST_PHOTOS)),
    Quote(NB4, "at 25 % two of its three scratch runs answer marine fish for every photo (0.258, one class), "
               "and the third scores 0.101",
          Percent(SWEEP("sweep/rows/1/fraction")), SWEEP("sweep/rows/1/as_trained/values/1"),
          SWEEP("sweep/rows/1/as_trained/values/0")),
    Quote(NB4, "Feature extraction with 26 photos (0.54) already beats scratch with all 265 (0.44)",
          swept("feature_extraction", 0), acc("scratch")[0]),
    Quote(NB4, "(0.640, 0.494, 0.483 against 0.506, 0.393, 0.416)", *FE_SEEDS_10PC_AND_SCRATCH_SEEDS),
    Quote(NB4, "at 10 % (6 steps) scratch moves from 0.236 to 0.311, at 25 % (12 steps) from 0.206 to 0.367",
          Percent(SWEEP("sweep/rows/0/fraction")), bn_sweep(0, "as_trained"), bn_sweep(0, "recomputed"),
          Percent(SWEEP("sweep/rows/1/fraction")), bn_sweep(1, "as_trained"), bn_sweep(1, "recomputed")),
    Quote(NB4, "at 50 % (30 steps, 0.292 to 0.333 ± 0.119, two seeds lower than before) and at 100 % "
               "(54 steps, 0.438 to 0.457)",
          Percent(SWEEP("sweep/rows/2/fraction")), bn_sweep(2, "as_trained"), bn_sweep(2, "recomputed"),
          bn_sweep(2, "recomputed", "std"),
          Percent(SWEEP("sweep/rows/3/fraction")), bn_sweep(3, "as_trained"), bn_sweep(3, "recomputed")),
    Quote(NB4, "(0.54 and 0.58)", swept("feature_extraction", 0), swept("feature_extraction", 1)),
    Quote(NB4, "it stays between 0.30 and 0.40", AtLeast(Lowest(GAPS)), AtMost(Highest(GAPS))),
    Quote(NB4, "keeps 73 % of its full-data accuracy at 10 % of the data",
          Percent(Ratio(swept("feature_extraction", 0), swept("feature_extraction", 3))), share(0)),
    Quote(NB4, "kept fixed ends at 0.768, with them updated in every batch as d2l's loop does at 0.674: on 265 "
               "photos in batches of 32, updating them costs about 9 points",
          bn("full_finetune", "kept fixed"), bn("full_finetune", "updated"),
          Percent(Diff(bn("full_finetune", "kept fixed"), bn("full_finetune", "updated")))),
    Quote(NB4, "with its statistics updated it ends at 0.438, with them held at their initial values (mean 0, "
               "variance 1, so batch norm is only a learned scale and shift) at 0.277",
          bn("scratch", "updated"), bn("scratch", "kept fixed")),
    Quote(NB4, "statistics kept fixed ends at 0.742; with them updated in train mode (d2l's loop runs a frozen base "
               "that way) at 0.622", row(1), row(0)),
    Quote(NB4, "(0.039 and 0.062 of their size against 0.005 and 0.006)",
          row(4, "weights_moved"), row(5, "weights_moved"), row(2, "weights_moved"), row(3, "weights_moved")),
    Quote(NB4, "it ends at 0.708, below the frozen base's 0.742 in every seed while fitting the training photos "
               "better (0.99 against 0.95)",
          row(4), row(1), row(4, "train_accuracy"), row(1, "train_accuracy")),
    Quote(NB4, "one seed of three ends at 0.438 predicting three classes (0.610 ± 0.156)",
          RATES("rates/rows/5/accuracy/values/2"), row(5), row(5, stat="std")),
    Quote(NB4, "is the best row (0.768)", row(3)),
    Quote(NB4, "full fine-tuning 0.768 ± 0.036, head first then layer-wise learning rates 0.760 ± 0.017, partial "
               "fine-tuning 0.753 ± 0.019, feature extraction 0.742 ± 0.019, scratch 0.438 ± 0.059",
          *acc("full_finetune"), *acc("head_then_unfreeze"), *acc("partial_finetune"), *acc("feature_extraction"),
          *acc("scratch")),
    Quote(NB4, "feature extraction (about 3 s) and partial fine-tuning (4 s) are an order of magnitude cheaper than "
               "full fine-tuning (42 s), head first (48 s) and scratch (68 s)",
          *(SVP(f"strategies/{s}/seconds/mean") for s in
            ("feature_extraction", "partial_finetune", "full_finetune", "head_then_unfreeze", "scratch"))),
    Quote(NB4, "The scratch network scores 0.24, 0.21 and 0.29 with 26, 65 and 132 photos",
          *(swept("scratch", i) for i in range(3))),
    Quote(NB4, "(always answering marine fish scores 0.258), and 0.44 with all 265, while feature extraction "
               "reaches 0.54 with 26 photos and 0.74 with 265",
          LARGEST_CLASS, acc("scratch")[0], swept("feature_extraction", 0), acc("feature_extraction")[0]),
    Quote(NB4, "(0.30, 0.37, 0.39, 0.30)", *GAPS),
    Quote(NB4, "lifts scratch at 10 % from 0.236 to 0.311 and at 25 % from 0.206 to 0.367",
          Percent(SWEEP("sweep/rows/0/fraction")), bn_sweep(0, "as_trained"), bn_sweep(0, "recomputed"),
          Percent(SWEEP("sweep/rows/1/fraction")), bn_sweep(1, "as_trained"), bn_sweep(1, "recomputed")),
    Quote(NB4, "one photo is 1.1 points", ONE_PHOTO),
    Quote(NB4, "slowly: 1.29 ± 0.03 after 6 epochs, and the head reaches only 0.52 ± 0.05 test accuracy",
          LR("rates/0.0001/final_loss/mean"), LR("rates/0.0001/final_loss/std"),
          LR("rates/0.0001/test_accuracy/mean"), LR("rates/0.0001/test_accuracy/std")),
    Quote(NB4, "at `0.1` and `1` the first epoch overshoots (first-epoch losses of 16 to 34 and of 149 to 350, "
               "against 1.6 to 3.2 for the smaller rates)",
          LR("lrs/3"), Lowest("lr_sweep_head:rates/0.1/losses/*/0"), Highest("lr_sweep_head:rates/0.1/losses/*/0"),
          Lowest("lr_sweep_head:rates/1/losses/*/0"), Highest("lr_sweep_head:rates/1/losses/*/0"),
          Lowest("lr_sweep_head:rates/{0.0001,0.001,0.01}/losses/*/0"),
          Highest("lr_sweep_head:rates/{0.0001,0.001,0.01}/losses/*/0")),
    Quote(NB4, "in only 1 seed of 3 at `0.1`", LR("lrs/3")),
    Quote(NB4, "ends lowest (0.05 ± 0.02 against 0.32 ± 0.03)",
          LR("rates/0.01/final_loss/mean"), LR("rates/0.01/final_loss/std"),
          LR("rates/0.001/final_loss/mean"), LR("rates/0.001/final_loss/std")),
    Quote(NB4, "the head trained at `1e-2` scores 0.708 ± 0.011, the one at `1e-3` 0.742 ± 0.019",
          LR("lrs/2"), LR("rates/0.01/test_accuracy/mean"), LR("rates/0.01/test_accuracy/std"),
          LR("lrs/1"), LR("rates/0.001/test_accuracy/mean"), LR("rates/0.001/test_accuracy/std")),
    Quote(NB4, "the two recipes end far apart (0.77 against 0.44)", acc("full_finetune")[0], acc("scratch")[0]),

    # --- quiz banks ---
    Quote(Q1, "the base learns at 5e-5", D2L_RATES),
    Quote(Q2, "Class indices run from 0 to 6", Fact("7 classes, counted from 0")),
    Quote(Q2, "(0.54, mean of three seeds)", swept("feature_extraction", 0)),
    Quote(Q2, "from scratch on all 265 (0.44)", acc("scratch")[0]),
    Quote(Q2, "counts 11.7 million parameters", Live("the cell above counts ResNet-18's parameters")),
    Quote(Q2, "ImageNet's 1.3 million training photos", Cited("ImageNet-1k's training set")),
    Quote(Q2, "moved 3.9 % of their size (0.5 % at the fine-tuning rate",
          Percent(row(4, "weights_moved")), Percent(row(2, "weights_moved"))),
    Quote(Q2, "better than the frozen base (0.99 against 0.95)", row(4, "train_accuracy"), row(1, "train_accuracy")),
    Quote(Q2, "(0.708 ± 0.019 against 0.742 ± 0.019", row(4), row(4, stat="std"), row(1), row(1, stat="std")),
    Quote(Q2, "took 24 to 131 s instead of 1 to 2 s",
          Lowest("finetune_rates:rates/rows/4/seconds/values/*"), Highest("finetune_rates:rates/rows/4/seconds/values/*"),
          Lowest("finetune_rates:rates/rows/1/seconds/values/*"), Highest("finetune_rates:rates/rows/1/seconds/values/*")),
    Quote(Q3, "mean [0.485, 0.456, 0.406] and std [0.229, 0.224, 0.225]", IMAGENET_NORMALIZATION),
    Quote(Q3, "about 0.108", Fact("Xavier-uniform bound for Linear(512, 2)")),
    Quote(Q3, "larger learning rate (5e-4)", D2L_RATES),
    Quote(Q3, "must use 5e-4 everywhere", D2L_RATES),
    Quote(Q3, "base uses 5e-5", D2L_RATES),
    Quote(Q3, "10x for the head", D2L_RATES),
    Quote(Q3, "test accuracy 0.939 (fine-tuned) and 0.843 (scratch)", D2L_RESULT),
    Quote(Q4, "about 8.4 million parameters", Live("notebook 4's cell counts ResNet-18's blocks")),
    Quote(Q4, "feature extraction ended at 0.742 ± 0.019 with the base's statistics fixed and at 0.622 ± 0.017",
          row(1), row(1, stat="std"), row(0), row(0, stat="std")),
    Quote(Q4, "ResNet-18's stem has 9,536 of its 11.2 million parameters (part 1), `layer4` about 8.4 million",
          Live("notebook 4's cell counts ResNet-18's blocks")),
    Quote(Q4, "this strategy ended at 0.760 ± 0.017, within one standard deviation of feature extraction "
              "(0.742 ± 0.019) and of full fine-tuning (0.768 ± 0.036)",
          *acc("head_then_unfreeze"), *acc("feature_extraction"), *acc("full_finetune")),
    Quote(Q4, "ends at 0.760 ± 0.017 and feature extraction at 0.742 ± 0.019",
          *acc("head_then_unfreeze"), *acc("feature_extraction")),
    Quote(Q4, "the difference (0.018,",
          Diff(Rounded(acc("head_then_unfreeze")[0], 3), Rounded(acc("feature_extraction")[0], 3))),
    Quote(Q4, "three seeds end at 0.764, 0.730 and 0.730",
          *(SVP(f"strategies/feature_extraction/accuracy/values/{i}") for i in range(3))),
    Quote(Q4, "0.017 and 0.019 are not measurably different", acc("head_then_unfreeze")[1], acc("feature_extraction")[1]),
    Quote(Q4, "one test photo (1.1 points)", ONE_PHOTO),
    Quote(Q4, "one photo is more than 1 % of accuracy", ONE_PHOTO),
    Quote(Q4, "seed 0 reaches 0.798 in its fourth and fifth epochs and ends at 0.753",
          SVP("strategies/full_finetune/curves/test_acc/0/3"), SVP("strategies/full_finetune/curves/test_acc/0/last")),
]
