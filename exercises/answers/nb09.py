"""SPOILERS: the answers to notebook 09's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

from torch import nn

from utils.exercises import Mistake

# --- The notebook's helper (section 4), repeated here so that the answers can use it ----------------


def backbone_and_head(model: nn.Module) -> tuple[list[nn.Module], nn.Module]:
    """The backbone's blocks in order (input side first), and the head, of a ResNet or a MobileNetV2."""
    if hasattr(model, "fc"):  # ResNet: a stem, then the stages layer1 ... layer4, then avgpool → fc
        stem = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)
        return [stem, model.layer1, model.layer2, model.layer3, model.layer4], model.fc
    return list(model.features), model.classifier  # MobileNetV2: 19 blocks, then pool → Dropout, Linear


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


WRONG_Q1 = [
    Mistake(
        _with_batchnorm_eval(lambda model, n_top: _freeze_only(model, lambda blocks: blocks[-n_top:])),
        "with n_top = 0 your function trains every block: blocks[-0:] is the whole list, not an empty one "
        "(-0 is 0); slice with len(blocks) - n_top",
    ),
    Mistake(
        _with_batchnorm_eval(lambda model, n_top: _freeze_only(model, lambda blocks: blocks[:n_top])),
        "you left the first blocks trainable (next to the input) and froze the last ones: it is the top "
        "blocks, nearest the head, that adapt to the new task",
    ),
    Mistake(
        lambda model, n_top: _freeze_only(model, lambda blocks: blocks[len(blocks) - n_top :]),
        "the parameters are frozen right, but the BatchNorm layers of the frozen blocks are still in train "
        "mode: each forward pass in training would update their running statistics",
    ),
    Mistake(
        _whole_model_eval,
        "you put the whole model in eval mode: the BatchNorm layers of the blocks you train must stay in "
        "train mode (only the frozen blocks' BatchNorm layers go to eval)",
    ),
    Mistake(_head_frozen_too, "the head is frozen too: the new head is the one part that must always train"),
    Mistake(
        lambda model, n_top: model,
        "nothing is frozen. Note that `model.requires_grad = False` only sets a new attribute on the module; "
        "the method requires_grad_(False) (with an underscore) changes its parameters",
    ),
    Mistake(
        _convs_only,
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
    *path, attribute = parent_name.split(".")  # e.g. "classifier.3" → parent "classifier", attribute "3"
    parent = model.get_submodule(".".join(path))
    setattr(parent, attribute, nn.Linear(last.in_features, num_classes))
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
    """Replaces the whole last top-level child (fc or classifier) by one Linear layer."""
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


def _returns_the_layer(model, num_classes):
    replace_last_linear(model, num_classes)
    return [m for m in model.modules() if isinstance(m, nn.Linear)][-1]


def _dotted_setattr(model, num_classes):
    """setattr(model, "classifier.3", ...) adds a module with that name; the old layer stays where it was."""
    name, last = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    setattr(model, name, nn.Linear(last.in_features, num_classes))
    return model


WRONG_Q2 = [
    Mistake(
        _set_out_features,
        "the last Linear layer's weight matrix still has 1,000 rows: setting .out_features only changes "
        "a number in its description. Create a new nn.Linear instead",
    ),
    Mistake(
        _first_linear,
        "you replaced the first Linear layer: some classifiers (MobileNetV3) have several, and the head is the last one",
    ),
    Mistake(
        _whole_classifier,
        "you replaced the model's whole last part by one Linear layer: on models whose classifier holds "
        "Dropout or other layers before the last Linear (MobileNetV3, EfficientNet) those are lost",
    ),
    Mistake(
        _dotted_setattr,
        "setattr(model, 'classifier.3', layer) adds a new module named 'classifier.3' and leaves the old layer "
        "where it was: a dotted name must be split, and setattr called on the parent module",
    ),
    Mistake(_one_extra_output, "your head has one output too many: one output per class"),
    Mistake(
        _returns_the_layer,
        "your function returns the new Linear layer: put it inside the model, and return the model",
    ),
    Mistake(
        _appended,
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


def _swapped_rates(model, backbone_lr, head_lr):
    return param_groups(model, head_lr, backbone_lr)


def _all_backbone_params(model, backbone_lr, head_lr):
    blocks, head = backbone_and_head(model)
    backbone = [p for block in blocks for p in block.parameters()]
    return [{"params": backbone, "lr": backbone_lr}, {"params": list(head.parameters()), "lr": head_lr}]


def _whole_model_in_first_group(model, backbone_lr, head_lr):
    head = backbone_and_head(model)[1]
    trainable = [p for p in model.parameters() if p.requires_grad]
    return [{"params": trainable, "lr": backbone_lr}, {"params": list(head.parameters()), "lr": head_lr}]


def _one_group(model, backbone_lr, head_lr):
    return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": backbone_lr}]


WRONG_Q3 = [
    Mistake(
        _swapped_rates,
        "the learning rates are swapped: the pretrained backbone gets backbone_lr (the smaller one), the new head head_lr",
    ),
    Mistake(
        _all_backbone_params,
        "your backbone group holds frozen parameters too (requires_grad False): they will never change, "
        "so keep only the trainable ones; then the groups say what the optimizer really trains",
    ),
    Mistake(
        _whole_model_in_first_group,
        "the head's parameters are in both groups: every parameter must be in exactly one group "
        "(torch.optim refuses a parameter that appears twice)",
    ),
    Mistake(
        _one_group,
        "you made one group: the backbone and the head need a group each, with their own learning rate",
    ),
    lambda model, backbone_lr, head_lr: model.parameters(),  # no groups at all: a generator of parameters
]
