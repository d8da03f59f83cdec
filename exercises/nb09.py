"""Exercises of notebook 09 (transfer learning): freeze the right layers (BatchNorm included), give
any torchvision classifier a new head, and build parameter groups with a smaller backbone learning
rate.

A learner writes a function that changes a model (`freeze_early_layers`, `replace_last_linear`) or
reads one (`param_groups`). The check calls the notebook's small wrapper around it, a function of
plain inputs: a torchvision model's name and numbers. The wrapper builds that model on PyTorch's
meta device (every layer and parameter shape real, no numbers stored: nothing to download, a
fraction of a second), applies the learner's function, and describes the result as plain data: how
many parameter tensors train in each part, which BatchNorm layers are in train mode, the output
shape, the size of each parameter group... So a message names what differs, e.g. "key 'trainable
tensors in the head': your value 0 is zero, but the right value is not", and a teacher's grader can
send the inputs to a learner's kernel and read the descriptions back.

What is here a learner may read: names, graded hints, hidden test inputs and descriptions. The
answers are in `exercises/answers/nb09.py` (spoilers).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from exercises.answers import nb09 as key
from utils.exercises import Exercise, Withheld, _say

# What the notebook's wrappers use (and what a class's student edition copies from the key as source):
# the section-4 helper, a model by name on the meta device, and the descriptions the checks compare.
backbone_and_head = key.backbone_and_head
skeleton = key.skeleton
training_state, head_state, groups_state = key.training_state, key.head_state, key.groups_state
_HELPERS_OF_THE_DESCRIPTIONS = (key._batchnorms, key._as_model)


@dataclass
class WrappedExercise(Exercise):
    """An exercise checked through the notebook's wrapper: `solution()` also shows the function the
    learner writes (`shows`, its name in the answer key), not only the wrapper."""

    shows: str = ""

    def solution(self) -> None:
        super().solution()
        if isinstance(self.reference, Withheld) or not self.shows:
            return
        import inspect
        import textwrap

        written = getattr(sys.modules[self.reference.__module__], self.shows)
        _say(f"The function it wraps, the one you write:\n\n{textwrap.dedent(inspect.getsource(written))}")


_FREEZE_MODELS = [("resnet18", 5), ("resnet34", 5), ("mobilenet_v2", 19)]  # (name, number of blocks)


def _draw_freeze(rng) -> list[tuple]:
    picks = rng.choice(len(_FREEZE_MODELS), size=3)
    return [(name, int(rng.integers(0, blocks + 1))) for name, blocks in (_FREEZE_MODELS[i] for i in picks)]


q1 = WrappedExercise(
    name="Exercise 1 (freeze the right layers)",
    reference=key.frozen_state,
    shows="freeze_early_layers",
    hints=[
        "Three things to do, in order: freeze every parameter of the model; make the head and the last n_top "
        "blocks trainable again (section 5's `freeze` does these two); then look after the BatchNorm layers "
        "of the blocks that stay frozen.",
        "A module's requires_grad_(flag) method sets requires_grad on all its parameters at once. The blocks to "
        "train again are the last n_top items of the list `blocks`. Careful with n_top = 0: what is a list[-0:]?",
        "A BatchNorm layer in train mode updates its running mean and variance at every forward pass, "
        "trainable or not. Walk through the modules of each frozen block (.modules()), and call .eval() on "
        "those that are BatchNorm layers (class BatchNorm2d); leave the rest of the model in train mode, and "
        "return the model.",
    ],
    cases=[("mobilenet_v2", 5), ("resnet18", 1), ("mobilenet_v2", 0), ("resnet18", 5), ("resnet18", 0)],
    wrong=key.WRONG_Q1,
    hidden=_draw_freeze,
)

_HEAD_MODELS = [
    "resnet34",
    "mobilenet_v3_large",
    "efficientnet_b1",
    "vit_b_32",
    "convnext_tiny",
    "shufflenet_v2_x1_0",
    "mnasnet0_5",
    "resnext50_32x4d",
    "swin_t",
    "densenet121",
]


def _draw_heads(rng) -> list[tuple]:
    names = rng.choice(len(_HEAD_MODELS), size=4, replace=False)
    return [(_HEAD_MODELS[i], int(rng.integers(2, 50))) for i in names]


q2 = WrappedExercise(
    name="Exercise 2 (a new head for N classes)",
    reference=key.new_head,
    shows="replace_last_linear",
    hints=[
        "The head to replace is the model's last nn.Linear layer, wherever it sits. A model's named_modules() "
        "method walks through every module with its dotted name, e.g. 'fc', 'classifier.3' or 'heads.head'.",
        "A new layer needs the same number of inputs as the old one (its .in_features) and num_classes "
        "outputs. To put it in place, you need the module that holds the old one (its parent) and the "
        "attribute name under which it is held.",
        "Split the dotted name at its last dot: 'heads.head' → parent 'heads', attribute 'head'; 'classifier' → "
        "parent '' (the model itself). The model's get_submodule method gives the parent from its name, and "
        "setattr(parent, attribute, new_layer) replaces the child, in a Sequential too. Return the model.",
    ],
    cases=[
        ("resnet18", 2),  # fc
        ("efficientnet_b0", 3),  # classifier: Dropout, then Linear
        ("mobilenet_v3_small", 5),  # its classifier holds two Linear layers
        ("densenet121", 4),  # classifier is the Linear layer itself
        ("vit_b_16", 7),  # heads.head; every encoder block holds Linear layers too
        ("swin_t", 6),  # head
    ],
    wrong=key.WRONG_Q2,
    hidden=_draw_heads,
)


def _draw_groups(rng) -> list[tuple]:
    cases = []
    for i in rng.choice(len(_FREEZE_MODELS), size=3):
        name, blocks = _FREEZE_MODELS[i]
        backbone_lr = float(10 ** rng.uniform(-5, -3.5))
        cases.append(
            (name, int(rng.integers(0, blocks + 1)), backbone_lr, backbone_lr * float(rng.uniform(3, 30)))
        )
    return cases


q3 = WrappedExercise(
    name="Exercise 3 (parameter groups)",
    reference=key.groups_of,
    shows="param_groups",
    hints=[
        "An optimizer accepts a list of dicts instead of model.parameters(): each dict is a group with its "
        "own 'params' (a list of tensors) and its own 'lr'. Here: the backbone's group first, then the head's.",
        "The helper of section 4 that lists the blocks also gives you the head. A parameter that does not "
        "require a gradient will never be trained: leave it out. Every parameter belongs to one group at most.",
        "Collect the parameters of each block (its .parameters()) whose requires_grad is True; do the same "
        "for the head. Return the two groups in a list, each a dict with the keys 'params' and 'lr'.",
    ],
    cases=[
        ("mobilenet_v2", 5, 1e-4, 1e-3),
        ("resnet18", 1, 3e-4, 3e-3),
        ("resnet18", 5, 1e-5, 1e-2),  # nothing frozen: full fine-tuning
        ("resnet18", 0, 1e-4, 1e-3),  # only the head trains
    ],
    wrong=key.WRONG_Q3,
    hidden=_draw_groups,
)
