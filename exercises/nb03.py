"""Exercises of notebook 03 (activation functions): the sigmoid's second derivative, a stack of linear
layers collapsed into one, the most gradient ten sigmoids let through, and ReLU's backward pass.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb03.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb03 as key
from utils.exercises import Exercise, plain_number

_gen = torch.Generator().manual_seed(3)

q1 = Exercise(
    name="Exercise 1 (the sigmoid's second derivative)",
    reference=key.sigmoid_second_derivative,
    hints=[
        "σ''(z) is the derivative of σ'(z) = σ(z)(1 - σ(z)): a product of two factors that both depend "
        "on z. Which rule differentiates a product?",
        "Product rule: (uv)' = u'v + uv'. Here u = σ and v = 1 - σ. What are u' and v', written with σ'?",
        "Put u' and v' into the product rule and factor σ' out: what is left in the bracket? Compute σ "
        "and σ' as tensors first (PyTorch's own sigmoid is allowed), then combine them elementwise.",
    ],
    cases=[
        (torch.linspace(-6.0, 6.0, 13),),
        (torch.tensor([0.0, 1.0]),),
        (torch.randn(2, 3, generator=_gen) * 3,),  # any shape
        (torch.linspace(-10.0, 10.0, 9, dtype=torch.float64),),  # float64 stays float64
    ],
    wrong=key.WRONG_Q1,
    forbids_autograd=True,
)


def _layers(sizes: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Random (W, b) pairs for layers of the given sizes, W of shape (out, in) as in nn.Linear."""
    return [
        (torch.randn(n_out, n_in, generator=_gen), torch.randn(n_out, generator=_gen))
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]


q2 = Exercise(
    name="Exercise 2 (collapse a linear stack)",
    reference=key.collapse,
    hints=[
        "Start with two layers: write h = W1 x + b1 and y = W2 h + b2, then put the first into the second "
        "and multiply out. Which matrix multiplies x, and what is left over?",
        "y = (W2 W1) x + (W2 b1 + b2): the first bias is multiplied by the second weight matrix. The order of "
        "a matrix product matters: the layer applied first stands on the right.",
        "Loop over the layers, keeping one running pair (W, b) for everything so far: at each new layer, "
        "update both with the formula of hint 2 (it holds for any two layers). Return the final pair as a tuple.",
    ],
    cases=[
        (_layers([2, 3, 4, 1]),),  # 2 → 3 → 4 → 1, as in the notebook
        (_layers([3, 3, 3]),),  # square matrices: a wrong order gives wrong values, not a shape error
        (_layers([2, 5]),),  # a single layer is already collapsed
        (_layers([4, 2, 2, 2, 3]),),
    ],
    wrong=key.WRONG_Q2,
)


def _diagnose_gain(answer: object) -> str | None:
    """Name a power of 1/4 or of 1/2 other than the tenth, without stating the right value."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not 0 < answer < 1:
        return None
    for base, what in [(0.25, "the largest sigmoid derivative"), (0.5, "σ(0)")]:
        k = math.log(answer) / math.log(base)
        if abs(k - round(k)) < 1e-3 and round(k) != 10:
            return f"that is a power of {what}, but not the right power: count the layers the gradient passes"
    return None


q3 = Exercise(
    name="Exercise 3 (ten sigmoids)",
    reference=key.sigmoid_gain_10_layers,
    hints=[
        "Going back through one sigmoid layer, the chain rule multiplies the gradient by σ'(z). Its formula "
        "is σ(z)(1 - σ(z)): for which value of σ(z) is a product p (1 - p) largest?",
        "p (1 - p) is largest at p = 1/2. At which z does σ reach 1/2, and how large is σ' there? That "
        "is the most one sigmoid layer lets through.",
        "The largest product takes the largest factor in every one of the ten layers: how do ten equal "
        "factors combine under the chain rule?",
    ],
    diagnose=_diagnose_gain,
    validate=plain_number,
    wrong=key.WRONG_Q3,
    atol=0.0,
    rtol=0.01,  # 9.5e-7 written with two digits is accepted
)


q4 = Exercise(
    name="Exercise 4 (ReLU's backward pass)",
    reference=key.relu_backward,
    hints=[
        "Backpropagation through an elementwise function multiplies the incoming gradient grad_output "
        "(dL/d output) by the function's derivative at the forward input z, element by element.",
        "ReLU's derivative is 1 where z > 0 and 0 elsewhere. A comparison such as z > 0 gives a boolean "
        "tensor; multiplied by a float tensor it acts as 1 and 0. What does PyTorch use at z = 0 exactly?",
        "PyTorch treats z = 0 as off (derivative 0), as section 2 measured. Which entries of grad_output "
        "pass back unchanged, and what do the others become?",
    ],
    cases=[
        (torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0]), torch.tensor([1.0, 1.0, 1.0, 1.0, 1.0])),
        (torch.tensor([3.0, -1.0, 0.0, 2.0]), torch.tensor([-0.5, 2.0, 4.0, -3.0])),  # negative gradients too
        (torch.randn(3, 4, generator=_gen), torch.randn(3, 4, generator=_gen)),
        (torch.tensor([[0.0, 1.5], [-1.5, 0.0]]), torch.tensor([[2.0, -1.0], [3.0, 0.5]])),
    ],
    wrong=key.WRONG_Q4,
    forbids_autograd=True,
)
