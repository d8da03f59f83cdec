"""SPOILERS: the answers to notebook 22's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

from utils.exercises import Mistake

# --- Exercise 1: the global batch and the scaled learning rate, with gradient accumulation ---------


def my_global_batch_and_lr(
    per_process_batch: int, processes: int, accum_steps: int, base_lr: float, base_batch: int
) -> tuple[int, float]:
    # One optimizer step sums the gradients of accum_steps batches in every one of the processes.
    global_batch = per_process_batch * processes * accum_steps
    lr = base_lr * global_batch / base_batch  # linear scaling rule: k times the batch, k times the lr
    return global_batch, lr


WRONG_Q1 = [
    Mistake(
        lambda per_process_batch, processes, accum_steps, base_lr, base_batch: (
            per_process_batch * processes,
            base_lr * per_process_batch * processes / base_batch,
        ),
        "your global batch leaves out the accumulation: an optimizer step waits for several batches of "
        "every process",
        copy_of="section 6's rule B = b · P (no accumulation)",
    ),
    Mistake(
        lambda per_process_batch, processes, accum_steps, base_lr, base_batch: (
            per_process_batch * processes * accum_steps,
            base_lr,
        ),
        "the global batch is right, but the learning rate was not scaled with it",
    ),
    Mistake(
        lambda per_process_batch, processes, accum_steps, base_lr, base_batch: (
            per_process_batch * processes * accum_steps,
            base_lr * processes * accum_steps,
        ),
        "you scaled the learning rate by the number of processes and of accumulated batches: the rule scales "
        "it by how much larger the global batch is than the batch the base learning rate was tuned for",
    ),
    Mistake(
        lambda per_process_batch, processes, accum_steps, base_lr, base_batch: (
            per_process_batch * processes // accum_steps,
            base_lr * per_process_batch * processes / accum_steps / base_batch,
        ),
        "accumulation does not split a batch: it adds the gradients of several batches before one step",
    ),
    Mistake(
        lambda per_process_batch, processes, accum_steps, base_lr, base_batch: (
            per_process_batch * processes * accum_steps,
            base_lr * (per_process_batch * processes * accum_steps / base_batch) ** 0.5,
        ),
        "that is the square-root scaling rule (sometimes used with Adam); this exercise asks for the linear rule",
    ),
    Mistake(
        lambda per_process_batch, processes, accum_steps, base_lr, base_batch: (
            per_process_batch * processes * accum_steps,
            base_lr * base_batch / (per_process_batch * processes * accum_steps),
        ),
        "your ratio is upside down: a larger batch gets a larger learning rate, not a smaller one",
    ),
]

# --- Exercise 2: what changes when a script with BatchNorm and checkpoints becomes data-parallel ----


def to_change() -> set[str]:
    # model: DistributedDataParallel averages the gradients across processes during backward().
    # batchnorm: nn.SyncBatchNorm.convert_sync_batchnorm, or each process normalises with its own share's
    #   statistics, not the global batch's.
    # train_loader: a DistributedSampler gives each process its own share (set_epoch reshuffles each epoch).
    # save_checkpoint: only rank 0 writes, or every process writes the same file at the same time.
    # The optimizer, the loss and the printed accuracy need no change.
    return {"model", "batchnorm", "train_loader", "save_checkpoint"}


WRONG_Q2 = [
    Mistake(
        {"model", "train_loader"},
        "those are the two changes every data-parallel script needs; this script has more in it that "
        "several processes would get wrong",
        copy_of="section 6's two changes (DDP and DistributedSampler)",
    ),
    {"model", "train_loader", "save_checkpoint"},  # the diagnosis names what is missing
    {"model", "batchnorm", "train_loader"},
    {"model", "batchnorm", "train_loader", "save_checkpoint", "print_accuracy"},
    {"model", "batchnorm", "train_loader", "save_checkpoint", "optimizer"},
    ["model", "batchnorm", "train_loader", "save_checkpoint"],  # a list: the check asks for a set
    "model",
]

# --- Exercise 3: reading a profiler table ---------------------------------------------------------


def data_share() -> float:
    # "CPU total" of a labelled block includes every op inside it; the step block holds the others.
    return 95.0 / 250.0


WRONG_Q3 = [
    Mistake(
        95.0 / (95.0 + 55.0 + 80.0 + 15.0),
        "you divided by the sum of the four labelled parts, as section 2 does with its clock: the step also "
        "spends time outside them, and its own row counts it",
        copy_of="section 2's share (data / the four parts' sum)",
    ),
    Mistake(38.0, "that looks like a percentage: give the share as a fraction between 0 and 1"),
    95.0 / (250.0 + 95.0 + 80.0 + 55.0 + 15.0),  # the whole column summed: counts time twice
    95.0 / (95.0 + 80.0),  # only the two largest labelled parts
    0.5,
    60.0 / 250.0,  # the Self CPU column: leaves out the aten::stack inside the data block
]
