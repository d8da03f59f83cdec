"""SPOILERS: the answers to notebook 22's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

from utils.exercises import Mistake

# --- Exercise 1: the global batch and the linearly scaled learning rate ----------------------------


def my_global_batch_and_lr(
    per_process_batch: int, processes: int, base_lr: float, base_batch: int
) -> tuple[int, float]:
    global_batch = per_process_batch * processes  # one optimizer step sees every process's batch
    lr = base_lr * global_batch / base_batch  # linear scaling rule: k times the batch, k times the lr
    return global_batch, lr


WRONG_Q1 = [
    Mistake(
        lambda per_process_batch, processes, base_lr, base_batch: (per_process_batch * processes, base_lr),
        "the global batch is right, but the learning rate was not scaled with it",
    ),
    Mistake(
        lambda per_process_batch, processes, base_lr, base_batch: (per_process_batch, base_lr),
        "that is one process's batch: each optimizer step averages the gradients of every process's batch",
    ),
    Mistake(
        lambda per_process_batch, processes, base_lr, base_batch: (
            per_process_batch * processes,
            base_lr * processes,
        ),
        "you multiplied the learning rate by the number of processes: the rule scales it by how much "
        "larger the global batch is than the batch the base learning rate was tuned for",
    ),
    Mistake(
        lambda per_process_batch, processes, base_lr, base_batch: (
            per_process_batch * processes,
            base_lr * (per_process_batch * processes / base_batch) ** 0.5,
        ),
        "that is the square-root scaling rule (sometimes used with Adam); this exercise asks for the linear rule",
    ),
    Mistake(
        lambda per_process_batch, processes, base_lr, base_batch: (
            per_process_batch * processes,
            base_lr * base_batch / (per_process_batch * processes),
        ),
        "your ratio is upside down: a larger batch gets a larger learning rate, not a smaller one",
    ),
]

# --- Exercise 2: what changes when a script becomes data-parallel ----------------------------------


def to_wrap() -> set[str]:
    # The model: DistributedDataParallel averages the gradients across processes during backward().
    # The training loader: a DistributedSampler gives each process its own share of the data.
    # The optimizer and the loss stay as they are: they only ever see the averaged gradients.
    return {"model", "train_loader"}


WRONG_Q2 = [
    {"model"},  # the diagnosis names what is missing
    {"train_loader"},
    {"model", "train_loader", "optimizer"},
    {"model", "train_loader", "loss_fn"},
    {"model", "optimizer", "loss_fn", "train_loader"},
    ["model", "train_loader"],  # a list: the check asks for a set
    "model",
]

# --- Exercise 3: reading a profiler table ---------------------------------------------------------


def data_share() -> float:
    # "CPU total" of a labelled block includes every op inside it; the step block holds the others.
    return 95.0 / 250.0


WRONG_Q3 = [
    Mistake(38.0, "that looks like a percentage: give the share as a fraction between 0 and 1"),
    95.0 / (250.0 + 95.0 + 80.0 + 55.0 + 15.0),  # the whole column summed: counts time twice
    95.0 / (95.0 + 80.0),  # only the two largest labelled parts
    0.5,
    60.0 / 250.0,  # the Self CPU column: leaves out the aten::stack inside the data block
]
