"""SPOILERS: the answers to notebook 04's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: a numerically stable softmax --------------------------------------------------------


def my_softmax(z: torch.Tensor) -> torch.Tensor:
    shifted = z - z.max(dim=1, keepdim=True).values  # each row's largest logit becomes 0: no overflow
    e = torch.exp(shifted)
    return e / e.sum(dim=1, keepdim=True)


def _naive_softmax(z):
    return torch.exp(z) / torch.exp(z).sum(dim=1, keepdim=True)


def _global_max_softmax(z):
    e = torch.exp(z - z.max())
    return e / e.sum(dim=1, keepdim=True)


def _column_softmax(z):
    e = torch.exp(z - z.max(dim=0, keepdim=True).values)
    return e / e.sum(dim=0, keepdim=True)


def _exp_of_log_softmax(z):
    m = z.max(dim=1, keepdim=True).values  # section 2's log_softmax ...
    log_p = z - m - torch.log(torch.exp(z - m).sum(dim=1, keepdim=True))
    return torch.exp(log_p)  # ... exponentiated: goes through a log, which the exercise rules out


WRONG_Q1 = [
    Mistake(_exp_of_log_softmax, copy_of="cell 13's log_softmax, exponentiated"),
    lambda z: torch.softmax(z, dim=1),  # PyTorch's own softmax: the exercise is to write one
    Mistake(
        _naive_softmax,
        "exp overflows on large logits (inf / inf = nan): subtract each row's largest logit before exp",
    ),
    Mistake(
        _global_max_softmax,
        "you subtracted the largest logit of the whole batch: in a row whose logits all lie far below it, "
        "every exp underflows to 0 and you get 0 / 0. Subtract each row's own maximum",
    ),
    Mistake(_column_softmax, "you normalised each column: a row holds one example's scores, normalise rows"),
    Mistake(
        lambda z: torch.exp(z - z.max(dim=1, keepdim=True).values),
        "you forgot to divide by the sum: each row must sum to 1",
    ),
    Mistake(
        lambda z: torch.exp(z) / torch.exp(z).sum(),
        "you divided by the sum over the whole batch: each row must sum to 1 on its own",
    ),
    lambda z: torch.exp(
        z - z.max(dim=1).values
    ),  # no keepdim: the (N,) maxima broadcast along the wrong axis
]

# --- Exercise 2: the gradient of cross-entropy with respect to the logits -----------------------------


def ce_gradient(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    p = torch.softmax(logits, dim=1)  # a stable softmax, one row per example
    p[torch.arange(len(targets)), targets] -= 1  # minus the one-hot vector of the targets
    return p / len(targets)  # the loss is a mean over the N examples


def _one_hot(logits, targets):
    return torch.nn.functional.one_hot(targets, logits.shape[1]).to(logits.dtype)


def _by_autograd(logits, targets):
    logits = logits.clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(logits, targets).backward()  # autograd, as section 4 used it
    return logits.grad


WRONG_Q2 = [
    Mistake(_by_autograd, copy_of="cell 20's autograd gradient of the loss"),
    Mistake(
        lambda logits, targets: torch.softmax(logits, dim=1) - _one_hot(logits, targets),
        "you left out the 1/N: the loss is the mean over the N examples, so each row is divided by N",
    ),
    Mistake(
        lambda logits, targets: (_one_hot(logits, targets) - torch.softmax(logits, dim=1)) / len(targets),
        "wrong sign: raising the correct class's logit lowers the loss, so its entry must be negative",
    ),
    Mistake(
        lambda logits, targets: torch.softmax(logits, dim=1) / len(targets),
        "you forgot the -1 at the correct class: it comes from the -z_y term of the loss",
    ),
    Mistake(
        lambda logits, targets: (torch.softmax(logits, dim=1) - 1) / len(targets),
        "you subtracted 1 from every entry: the -1 comes from -z_y, so only the correct class gets it",
    ),
    Mistake(
        lambda logits, targets: (_naive_softmax(logits) - _one_hot(logits, targets)) / len(targets),
        "your softmax overflows on large logits (inf / inf = nan): subtract each row's largest logit first",
    ),
]

# --- Exercise 3: the multiclass SVM (hinge) loss -----------------------------------------------------


def my_svm_loss(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    rows = torch.arange(len(targets))
    correct = scores[rows, targets].unsqueeze(1)  # s_y as a column, (N, 1)
    margins = (scores - correct + 1.0).clamp(min=0)  # max(0, s_j - s_y + Δ) with Δ = 1
    margins[rows, targets] = 0  # the sum runs over j ≠ y only
    return margins.sum(dim=1).mean()


def _with_correct_class(scores, targets):
    correct = scores[torch.arange(len(targets)), targets].unsqueeze(1)
    return (scores - correct + 1.0).clamp(min=0).sum(dim=1).mean()


def _no_clamp(scores, targets):
    rows = torch.arange(len(targets))
    margins = scores - scores[rows, targets].unsqueeze(1) + 1.0
    margins[rows, targets] = 0
    return margins.sum(dim=1).mean()


def _flipped(scores, targets):
    rows = torch.arange(len(targets))
    margins = (scores[rows, targets].unsqueeze(1) - scores + 1.0).clamp(min=0)
    margins[rows, targets] = 0
    return margins.sum(dim=1).mean()


def _cell_22_svm_loss(scores, targets):
    return scores.shape[1] * torch.nn.functional.multi_margin_loss(scores, targets)  # PyTorch's loss


def _loops(scores, targets):
    total = 0.0
    for s, y in zip(scores, targets):
        for j in range(len(s)):
            if j != y:
                total += max(0.0, (s[j] - s[y] + 1.0).item())
    return total / len(targets)  # section 3's loops: a Python float


WRONG_Q3 = [
    Mistake(_cell_22_svm_loss, copy_of="cell 22's svm_loss (nn.MultiMarginLoss × C)"),
    _loops,
    Mistake(
        _with_correct_class,
        "you counted the j = y term too: it is max(0, s_y - s_y + Δ) = Δ, added to every example",
    ),
    Mistake(
        lambda scores, targets: my_svm_loss(scores, targets) / scores.shape[1],
        "that is nn.MultiMarginLoss's convention, divided by the number of classes C: "
        "the cs231n loss sums over the classes",
    ),
    Mistake(
        _no_clamp,
        "without max(0, ·) a class far below the correct one gives a negative term and lowers the loss: "
        "clamp each margin at 0",
    ),
    Mistake(_flipped, "the margin is the wrong way round: a wrong class costs when s_j - s_y + Δ > 0"),
    Mistake(
        lambda scores, targets: my_svm_loss(scores, targets) * len(targets),
        "you summed over the examples: average the per-example losses",
    ),
]

# --- Exercises 4 and 5: the losses of a classifier that has learned nothing yet ----------------------


def ce_at_start() -> float:
    # All 10 logits equal → softmax gives 1/10 to every class → -log(1/10) = log(10).
    return math.log(10)


WRONG_Q4 = [
    Mistake(
        math.log(3),
        "that is the loss of a 3-class classifier, like section 4's example at margin 0: count this one's classes",
        copy_of="section 4's three-class cross-entropy at margin 0",
    ),
    Mistake(2.3, "rounded to two significant digits: the prompt asks for at least four"),
    Mistake(1.0, "that is log base 10 of 10: the cross-entropy uses the natural logarithm"),
    Mistake(0.1, "0.1 is the probability of the correct class: the loss is minus its log"),
    Mistake(-math.log(10), "wrong sign: the loss -log p is positive when p < 1"),
    Mistake(math.log2(10), "that is log base 2 (bits): PyTorch's cross-entropy uses the natural logarithm"),
    0.0,  # a perfect classifier's loss, not an untrained one's
    10.0,
]


def svm_at_start() -> float:
    # All 10 scores equal → each of the 9 wrong classes costs max(0, 0 + Δ) = Δ = 1.
    return 9.0


WRONG_Q5 = [
    Mistake(
        2.0,
        "that is the loss of a 3-class classifier, like section 4's example at margin 0: count this one's classes",
        copy_of="section 4's three-class hinge loss at margin 0",
    ),
    Mistake(10.0, "you counted the correct class too: the sum runs over the wrong classes, j ≠ y"),
    Mistake(0.9, "that is what nn.MultiMarginLoss reports (divided by C): the cs231n loss sums over classes"),
    Mistake(
        0.0, "with equal scores every margin is violated: a score must beat the others by Δ to cost nothing"
    ),
    1.0,  # one class's term
    math.log(10),  # the cross-entropy's value
]
