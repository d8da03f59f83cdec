"""Exercises of notebook 09 (transfer learning): freeze the right layers (BatchNorm included), give
any torchvision classifier a new head, and build parameter groups with a smaller backbone learning
rate. Each answer is checked on real torchvision architectures (ResNet-18, MobileNetV2, MobileNetV3,
EfficientNet-B0), built on PyTorch's meta device: every layer and parameter shape is real, but no
weights are stored, so nothing is downloaded and a check takes a fraction of a second.

An answer here changes or returns a model, which cannot be compared with `==`: what is compared is
a description of the result (how many parameter tensors train in each part, which BatchNorm layers
are in train mode, the shape of the output, the size of each parameter group...). So a message names
what differs, e.g. "key 'trainable tensors in the head': your value 0 is zero, but the right value
is not".

What is here a learner may read: names, graded hints, hidden test inputs and descriptions. The
answers are in `exercises/answers/nb09.py` (spoilers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torchvision.models import get_model

from exercises.answers import nb09 as key
from utils.exercises import Exercise, Mistake


@dataclass
class ModelExercise(Exercise):
    """A function exercise whose outputs are compared through `describe(output, *inputs)`.

    `describe` turns what a function returned (a model, a list of parameter groups) into plain
    values (dicts of numbers, bools, shapes) that `compare` can judge and name. It returns the
    output unchanged when that is not what was asked for (None, a number...), so the usual messages
    ("did you forget `return`?", "expected a list") still apply.
    """

    describe: Callable[..., Any] | None = None

    def _function_problem(self, answer: Any) -> str | None:
        if not callable(answer) or self.describe is None:
            return super()._function_problem(answer)
        described = dataclasses.replace(
            self,
            reference=self._described(self.reference),
            wrong=[
                Mistake(self._described(w.answer), w.message)
                if isinstance(w, Mistake)
                else self._described(w)
                for w in self.wrong
            ],
            describe=None,
        )
        return Exercise._function_problem(described, self._described(answer))

    def _described(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            return self.describe(function(*args), *args)

        return run


def _count(parameters) -> int:
    return sum(1 for _ in parameters)


def _batchnorms(modules) -> list[nn.Module]:
    return [
        m for module in modules for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]


def _describe_frozen(model: Any, _given: nn.Module, n_top: int) -> Any:
    """Which parts of a ResNet / MobileNetV2 train, and which BatchNorm layers are in train mode."""
    if not isinstance(model, nn.Module):
        return model
    blocks, head = key.backbone_and_head(model)
    early, top = blocks[: len(blocks) - n_top], blocks[len(blocks) - n_top :]

    def trainable(parts):
        return _count(p for part in parts for p in part.parameters() if p.requires_grad)

    return {
        "trainable tensors in the head": trainable([head]),
        "trainable tensors in the last n_top blocks": trainable(top),
        "trainable tensors in the earlier blocks": trainable(early),
        "BatchNorm layers in train mode in the earlier blocks": sum(m.training for m in _batchnorms(early)),
        "BatchNorm layers in train mode in the last n_top blocks": sum(m.training for m in _batchnorms(top)),
        "the model itself is in train mode (model.training)": model.training,
    }


def _describe_head(model: Any, _given: nn.Module, num_classes: int) -> Any:
    """The last Linear layer, what the rest of the model kept, and what the model outputs."""
    if not isinstance(model, nn.Module):
        return model
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        return {"Linear layers": 0}
    model.to("meta").eval()  # on the meta device a forward pass computes shapes only: instant
    try:
        with torch.no_grad():
            output = tuple(model(torch.zeros(2, 3, 64, 64, device="meta")).shape)
    except Exception as error:  # a head that does not fit the features: say so, don't crash the check
        output = f"the model fails on a batch of images ({type(error).__name__})"
    return {
        "Linear layers": len(linears),
        "last Linear layer's (in_features, out_features)": (
            linears[-1].in_features,
            linears[-1].out_features,
        ),
        "last Linear layer's weight shape": tuple(linears[-1].weight.shape),
        "Dropout layers": sum(isinstance(m, nn.Dropout) for m in model.modules()),
        "output shape for a batch of 2 images": output,
    }


def _describe_groups(groups: Any, model: nn.Module, _backbone_lr: float, _head_lr: float) -> Any:
    """For each parameter group: its learning rate, and how many parameter tensors of each kind it holds."""
    if not isinstance(groups, (list, tuple)) or not all(
        isinstance(g, dict) and "params" in g for g in groups
    ):
        return groups
    head_ids = {id(p) for p in key.backbone_and_head(model)[1].parameters()}
    described = []
    for group in groups:
        params = list(group["params"])
        described.append(
            {
                "lr": group.get("lr", "no 'lr' key: the optimizer's default learning rate"),
                "parameter tensors": len(params),
                "numbers in them": sum(p.numel() for p in params),
                "frozen tensors (requires_grad False)": sum(not p.requires_grad for p in params),
                "tensors of the head": sum(id(p) in head_ids for p in params),
            }
        )
    return described


def _model(name: str, n_top: int | None = None) -> nn.Module:
    """A torchvision model built on PyTorch's meta device: the real architecture, every parameter with
    its shape but no numbers (nothing to download or fill in, and a copy costs nothing). In train
    mode, with the first blocks frozen (the reference way) when `n_top` is given. Named briefly in
    messages, e.g. "a torchvision resnet18"."""
    with torch.device("meta"):
        model = get_model(name, weights=None).train()
    cls = model.__class__
    model.__class__ = type(cls.__name__, (cls,), {"__repr__": lambda self: f"a torchvision {name}"})
    return key.freeze_early_layers(model, n_top) if n_top is not None else model


_RESNET, _MOBILENET = _model("resnet18"), _model("mobilenet_v2")

q1 = ModelExercise(
    name="Exercise 1 (freeze the right layers)",
    reference=key.freeze_early_layers,
    hints=[
        "Three things to do, in order: freeze every parameter of the model; make the head and the last n_top "
        "blocks trainable again; then look after the BatchNorm layers of the blocks that stay frozen.",
        "A module's requires_grad_(flag) method sets requires_grad on all its parameters at once. The blocks to "
        "train again are the last n_top items of the list `blocks`. Careful with n_top = 0: what is a list[-0:]?",
        "A BatchNorm layer in train mode updates its running mean and variance at every forward pass, "
        "trainable or not. Walk through the modules of each frozen block (.modules()), and call .eval() on "
        "those that are BatchNorm layers (class BatchNorm2d); leave the rest of the model in train mode, and "
        "return the model.",
    ],
    cases=[(_MOBILENET, 5), (_RESNET, 1), (_MOBILENET, 0), (_RESNET, 5), (_RESNET, 0)],
    wrong=key.WRONG_Q1,
    describe=_describe_frozen,
    keeps_inputs=False,  # the answer changes the model it is given: that is the point
)

q2 = ModelExercise(
    name="Exercise 2 (a new head for N classes)",
    reference=key.replace_last_linear,
    hints=[
        "The head to replace is the model's last nn.Linear layer, wherever it sits. A model's named_modules() "
        "method walks through every module with its dotted name, e.g. 'fc' or 'classifier.3'.",
        "A new layer needs the same number of inputs as the old one (its .in_features) and num_classes "
        "outputs. To put it in place, you need the module that holds the old one (its parent) and the "
        "attribute name under which it is held.",
        "Split the dotted name at its last dot: 'classifier.3' → parent 'classifier', attribute '3'. "
        "The model's get_submodule method gives the parent from its name ('' gives the model itself), and "
        "setattr(parent, attribute, new_layer) replaces the child, in a Sequential too. Return the model.",
    ],
    cases=[
        (_RESNET, 2),
        (_model("mobilenet_v3_small"), 5),  # its classifier holds two Linear layers
        (_model("efficientnet_b0"), 3),  # its classifier: Dropout, then Linear
    ],
    wrong=key.WRONG_Q2,
    describe=_describe_head,
    keeps_inputs=False,
)

q3 = ModelExercise(
    name="Exercise 3 (parameter groups)",
    reference=key.param_groups,
    hints=[
        "An optimizer accepts a list of dicts instead of model.parameters(): each dict is a group with its "
        "own 'params' (a list of tensors) and its own 'lr'. Here: the backbone's group first, then the head's.",
        "The helper of section 4 that lists the blocks also gives you the head. A parameter that does not require a gradient "
        "will never be trained: leave it out. Every parameter belongs to one group at most.",
        "Collect the parameters of each block (its .parameters()) whose requires_grad is True; do the same "
        "for the head. Return [{'params': ..., 'lr': backbone_lr}, {'params': ..., 'lr': head_lr}].",
    ],
    cases=[
        (_model("mobilenet_v2", 5), 1e-4, 1e-3),
        (_model("resnet18", 1), 3e-4, 3e-3),
        (_model("resnet18", 5), 1e-5, 1e-2),  # nothing frozen: full fine-tuning
    ],
    wrong=key.WRONG_Q3,
    describe=_describe_groups,
    keeps_inputs=False,
)
