"""SPOILERS: the answers to notebook 09's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.

Each exercise's check calls a function of plain inputs (a torchvision model's name, numbers) that
builds the model on PyTorch's meta device, applies the learner's function to it and describes the
result as plain data (counts, shapes, flags): that is what a teacher's grader can send to a
learner's kernel and read back. The learner writes the model-level function; the notebook gives the
small wrapper around it.
"""

import functools

import torch
from torch import nn
from torchvision.models import get_model

from utils.exercises import Mistake

# --- Helpers the checks use (not answers): the notebook's section 4 helper, a model by name, descriptions


def backbone_and_head(model: nn.Module) -> tuple[list[nn.Module], nn.Module]:
    """The backbone's blocks in order (input side first), and the head, of a ResNet or a MobileNetV2."""
    if hasattr(model, "fc"):  # ResNet: a stem, then the stages layer1 ... layer4, then avgpool → fc
        stem = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)
        return [stem, model.layer1, model.layer2, model.layer3, model.layer4], model.fc
    return list(model.features), model.classifier  # MobileNetV2: 19 blocks, then pool → Dropout, Linear


def skeleton(name: str) -> nn.Module:
    """torchvision's model `name` built on the meta device, in train mode: every layer and parameter
    shape is real, but no numbers are stored, so it costs no memory and nothing is downloaded.

    Example:
        >>> skeleton("resnet18").fc
        Linear(in_features=512, out_features=1000, bias=True)
    """
    with torch.device("meta"):
        return get_model(name, weights=None).train()


def _batchnorms(modules: list[nn.Module]) -> list[nn.Module]:
    return [
        m for module in modules for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]


def _as_model(model: object, function: str) -> nn.Module:
    if model is None:
        raise ValueError(f"{function} returned None: did you forget `return model`?")
    if not isinstance(model, nn.Module):
        raise TypeError(f"{function} must return the model (an nn.Module), not a {type(model).__name__}")
    return model


def training_state(model: nn.Module, n_top: int) -> dict:
    """What trains in a ResNet / MobileNetV2 split into earlier blocks, the last n_top blocks and the head.

    Example:
        >>> training_state(skeleton("resnet18"), 1)["trainable tensors in the head"]
        2
    """
    model = _as_model(model, "freeze_early_layers")
    blocks, head = backbone_and_head(model)
    early, top = blocks[: len(blocks) - n_top], blocks[len(blocks) - n_top :]

    def trainable(parts: list[nn.Module]) -> int:
        return sum(p.requires_grad for part in parts for p in part.parameters())

    return {
        "trainable tensors in the head": trainable([head]),
        "trainable tensors in the last n_top blocks": trainable(top),
        "trainable tensors in the earlier blocks": trainable(early),
        "BatchNorm layers in train mode in the earlier blocks": sum(m.training for m in _batchnorms(early)),
        "BatchNorm layers in train mode in the last n_top blocks": sum(m.training for m in _batchnorms(top)),
        "the model itself is in train mode (model.training)": model.training,
    }


def head_state(model: nn.Module) -> dict:
    """The last Linear layer, what the rest of the model kept, and the output for 2 images of 224 px.

    Example:
        >>> head_state(skeleton("resnet18"))["output shape for a batch of 2 images"]
        (2, 1000)
    """
    model = _as_model(model, "replace_last_linear")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        return {"Linear layers": 0}
    model = model.to("meta").eval()  # on the meta device a forward pass computes shapes only
    try:
        with torch.no_grad():
            output = tuple(model(torch.zeros(2, 3, 224, 224, device="meta")).shape)
    except Exception as error:  # a head that does not fit the features: say so
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


def groups_state(groups: object, model: nn.Module) -> object:
    """For each parameter group: its learning rate, and how many parameter tensors of each kind it holds.

    Example:
        >>> groups_state([{"params": [], "lr": 0.1}], skeleton("resnet18"))[0]["parameter tensors"]
        0
    """
    if groups is None:
        raise ValueError("param_groups returned None: did you forget `return`?")
    if not isinstance(groups, (list, tuple)) or not all(
        isinstance(g, dict) and "params" in g for g in groups
    ):
        raise TypeError(
            "param_groups must return a list of dicts, each with 'params' and 'lr', "
            f"not a {type(groups).__name__}"
        )
    head_ids = {id(p) for p in backbone_and_head(model)[1].parameters()}
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


def _checked(answer):
    """The exercise's plain-input function for a model-level answer (what the notebook's wrapper does)."""
    return functools.cache(answer)  # the same inputs, the same description: computed once


# --- Exercise 1: freeze the early layers, BatchNorm included ---------------------------------------


def freeze_early_layers(model: nn.Module, n_top: int) -> nn.Module:
    blocks, head = backbone_and_head(model)
    frozen = blocks[: len(blocks) - n_top]  # blocks[:-n_top] would freeze nothing when n_top = 0
    model.requires_grad_(False)
    for part in [*blocks[len(blocks) - n_top :], head]:
        part.requires_grad_(True)
    for block in frozen:
        for module in block.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.eval()  # frozen statistics: running mean and variance stay ImageNet's
    return model


@functools.cache
def frozen_state(name: str, n_top: int) -> dict:
    return training_state(freeze_early_layers(skeleton(name), n_top), n_top)


def _freeze_only(model, trained_blocks):
    """Freeze everything, then unfreeze the head and the blocks `trained_blocks(blocks)` picks; no BN."""
    blocks, head = backbone_and_head(model)
    model.requires_grad_(False)
    for part in [*trained_blocks(blocks), head]:
        part.requires_grad_(True)
    return model


def _with_batchnorm_eval(freeze):
    """`freeze`, then every BatchNorm of a fully frozen block in eval mode (the right BN handling)."""

    def answer(model, n_top):
        freeze(model, n_top)
        for block in backbone_and_head(model)[0]:
            if not any(p.requires_grad for p in block.parameters()):
                for module in block.modules():
                    if isinstance(module, nn.BatchNorm2d):
                        module.eval()
        return model

    return answer


def _whole_model_eval(model, n_top):
    freeze_early_layers(model, n_top)
    return model.eval()


def _head_frozen_too(model, n_top):
    freeze_early_layers(model, n_top)
    backbone_and_head(model)[1].requires_grad_(False)
    return model


def _convs_only(model, n_top):
    """Freezes only the conv weights of the early blocks: their BatchNorm weights stay trainable."""
    freeze_early_layers(model, n_top)
    blocks = backbone_and_head(model)[0]
    for block in blocks[: len(blocks) - n_top]:
        for module in block.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.requires_grad_(True)
    return model


def _frozen_state_of(freeze):
    return _checked(lambda name, n_top: training_state(freeze(skeleton(name), n_top), n_top))


WRONG_Q1 = [
    Mistake(
        _frozen_state_of(
            lambda model, n_top: _freeze_only(model, lambda blocks: blocks[len(blocks) - n_top :])
        ),
        "the parameters are frozen right, but the BatchNorm layers of the frozen blocks are still in train "
        "mode: each forward pass in training would update their running statistics",
        copy_of="cell 20's freeze",
    ),
    Mistake(
        _frozen_state_of(
            _with_batchnorm_eval(lambda model, n_top: _freeze_only(model, lambda blocks: blocks[-n_top:]))
        ),
        "with n_top = 0 your function trains every block: blocks[-0:] is the whole list, not an empty one "
        "(-0 is 0); slice with len(blocks) - n_top",
    ),
    Mistake(
        _frozen_state_of(
            _with_batchnorm_eval(lambda model, n_top: _freeze_only(model, lambda blocks: blocks[:n_top]))
        ),
        "you left the first blocks trainable (next to the input) and froze the last ones: it is the top "
        "blocks, nearest the head, that adapt to the new task",
    ),
    Mistake(
        _frozen_state_of(_whole_model_eval),
        "you put the whole model in eval mode: the BatchNorm layers of the blocks you train must stay in "
        "train mode (only the frozen blocks' BatchNorm layers go to eval)",
    ),
    Mistake(
        _frozen_state_of(_head_frozen_too),
        "the head is frozen too: the new head is the one part that must always train",
    ),
    Mistake(
        _frozen_state_of(lambda model, n_top: model),
        "nothing is frozen. Note that `model.requires_grad = False` only sets a new attribute on the module; "
        "the method requires_grad_(False) (with an underscore) changes its parameters",
    ),
    Mistake(
        _frozen_state_of(_convs_only),
        "the BatchNorm weights (γ, β) of the frozen blocks are still trainable: freeze every parameter of a "
        "frozen block, not only the convolutions'",
    ),
]

# --- Exercise 2: a new head for any torchvision classifier -----------------------------------------


def replace_last_linear(model: nn.Module, num_classes: int) -> nn.Module:
    parent_name, last = None, None
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            parent_name, last = name, module
    *path, attribute = parent_name.split(".")  # e.g. "heads.head" → parent "heads", attribute "head"
    parent = model.get_submodule(".".join(path))
    setattr(parent, attribute, nn.Linear(last.in_features, num_classes))
    return model


@functools.cache
def new_head(name: str, num_classes: int) -> dict:
    return head_state(replace_last_linear(skeleton(name), num_classes))


def _replace_head(model, num_classes):
    """Notebook 09's replace_head (cell 16): knows `fc` and `classifier[-1]` only."""
    if hasattr(model, "fc"):
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    else:
        model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, num_classes)
    return model


def _set_out_features(model, num_classes):
    last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    last.out_features = num_classes  # changes the attribute, not the weight matrix
    return model


def _first_linear(model, num_classes):
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            *path, attribute = name.split(".")
            setattr(
                model.get_submodule(".".join(path)), attribute, nn.Linear(module.in_features, num_classes)
            )
            return model


def _whole_classifier(model, num_classes):
    """Replaces the whole last top-level child (fc, classifier, head...) by one Linear layer."""
    name, child = list(model.named_children())[-1]
    linears = [m for m in child.modules() if isinstance(m, nn.Linear)]
    setattr(model, name, nn.Linear(linears[-1].in_features, num_classes))
    return model


def _one_extra_output(model, num_classes):
    return replace_last_linear(model, num_classes + 1)


def _appended(model, num_classes):
    """Keeps the 1,000-class layer and puts a 1000 → num_classes layer after it."""
    name, child = list(model.named_children())[-1]
    setattr(model, name, nn.Sequential(child, nn.Linear(1000, num_classes)))
    return model


def _dotted_setattr(model, num_classes):
    """setattr(model, "classifier.3", ...) adds a module with that name; the old layer stays where it was."""
    name, last = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    setattr(model, name, nn.Linear(last.in_features, num_classes))
    return model


def _new_head_of(replace):
    return _checked(lambda name, num_classes: head_state(replace(skeleton(name), num_classes)))


WRONG_Q2 = [
    Mistake(_new_head_of(_replace_head), copy_of="cell 16's replace_head"),
    Mistake(
        _new_head_of(_set_out_features),
        "the last Linear layer's weight matrix still has 1,000 rows: setting .out_features only changes "
        "a number in its description. Create a new nn.Linear instead",
    ),
    Mistake(
        _new_head_of(_first_linear),
        "you replaced the first Linear layer: many models have several (MobileNetV3's classifier, every "
        "transformer block of ViT and Swin), and the head is the last one",
    ),
    Mistake(
        _new_head_of(_whole_classifier),
        "you replaced the model's whole last part by one Linear layer: where the head's container holds "
        "Dropout or other layers before the last Linear (MobileNetV3, EfficientNet) those are lost",
    ),
    Mistake(
        _new_head_of(_dotted_setattr),
        "setattr(model, 'heads.head', layer) adds a new module named 'heads.head' and leaves the old layer "
        "where it was: a dotted name must be split, and setattr called on the parent module",
    ),
    Mistake(_new_head_of(_one_extra_output), "your head has one output too many: one output per class"),
    Mistake(
        _new_head_of(_appended),
        "you kept the 1,000 ImageNet outputs and stacked a new layer on them: replace the last layer instead, "
        "so the new head sees the features, not ImageNet's class scores",
    ),
]

# --- Exercise 3: parameter groups with a smaller learning rate for the backbone ---------------------


def param_groups(model: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    blocks, head = backbone_and_head(model)
    backbone = [p for block in blocks for p in block.parameters() if p.requires_grad]
    return [
        {"params": backbone, "lr": backbone_lr},
        {"params": [p for p in head.parameters() if p.requires_grad], "lr": head_lr},
    ]


def _frozen(name: str, n_top: int) -> nn.Module:
    """The notebook's freeze (cell 20): the head and the last n_top blocks train, the rest is frozen."""
    model = skeleton(name)
    blocks, head = backbone_and_head(model)
    model.requires_grad_(False)
    for part in [*blocks[len(blocks) - n_top :], head]:
        part.requires_grad_(True)
    return model


@functools.cache
def groups_of(name: str, n_top: int, backbone_lr: float, head_lr: float) -> list[dict]:
    model = _frozen(name, n_top)
    return groups_state(param_groups(model, backbone_lr, head_lr), model)


def _make_optimizer_copy(model, backbone_lr, head_lr):
    """Notebook 09's make_optimizer (cell 28) on the whole model: the blocks' group takes every parameter."""
    head = backbone_and_head(model)[1]
    in_head = {id(p) for p in head.parameters()}
    return [
        {"params": [p for p in model.parameters() if id(p) not in in_head], "lr": backbone_lr},
        {"params": list(head.parameters()), "lr": head_lr},
    ]


def _swapped_rates(model, backbone_lr, head_lr):
    return param_groups(model, head_lr, backbone_lr)


def _whole_model_in_first_group(model, backbone_lr, head_lr):
    head = backbone_and_head(model)[1]
    trainable = [p for p in model.parameters() if p.requires_grad]
    return [{"params": trainable, "lr": backbone_lr}, {"params": list(head.parameters()), "lr": head_lr}]


def _one_group(model, backbone_lr, head_lr):
    return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": backbone_lr}]


def _groups_of(answer):
    def run(name, n_top, backbone_lr, head_lr):
        model = _frozen(name, n_top)
        return groups_state(answer(model, backbone_lr, head_lr), model)

    return _checked(run)


WRONG_Q3 = [
    Mistake(
        _groups_of(_make_optimizer_copy),
        "your backbone group holds frozen parameters too (requires_grad False): they will never change, "
        "so keep only the trainable ones; then the groups say what the optimizer really trains",
        copy_of="cell 28's make_optimizer",
    ),
    Mistake(
        _groups_of(_swapped_rates),
        "the learning rates are swapped: the pretrained backbone gets backbone_lr (the smaller one), the new head head_lr",
    ),
    Mistake(
        _groups_of(_whole_model_in_first_group),
        "the head's parameters are in both groups: every parameter must be in exactly one group "
        "(torch.optim refuses a parameter that appears twice)",
    ),
    Mistake(
        _groups_of(_one_group),
        "you made one group: the backbone and the head need a group each, with their own learning rate",
    ),
    _groups_of(lambda model, backbone_lr, head_lr: model.parameters()),  # a generator, not groups
]
