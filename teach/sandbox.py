"""Start a submission's kernel with limits: `python teach/sandbox.py CONFIG.json -f CONNECTION_FILE`.

The grader's kernel spec runs this file instead of ipykernel. Before any of the submission's code it

- sets resource limits: address space (`memory_bytes`, so an allocation loop gets a MemoryError),
  CPU seconds (`cpu_seconds`: a backstop should the kernel outlive its runner), file size, no core dumps;
- installs a Python audit hook (PEP 578, permanent once added) that refuses, with a PermissionError:
  writing, creating, renaming or deleting files outside the working folder (`write`); reading files
  under `deny_read` (the teacher's course folder with its answer keys, the other submissions) except
  the Python installation and the working folder; starting processes; signalling other processes;
  and, after the usual libraries are loaded, loading or calling C functions through ctypes;
- optionally (`user`, when started as root) drops to an unprivileged user.

Then it starts ipykernel. This stops the hostile notebooks the tests try and ordinary accidents; it is
not a sandbox against code written to escape one (see README, "Teaching a class": use a container).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import sysconfig


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _other_process(path: str) -> bool:
    """/proc/<pid>/... of another process (the grader's command line, its environment)."""
    parts = path.split("/")
    return len(parts) > 2 and parts[1] == "proc" and parts[2].isdigit() and int(parts[2]) != os.getpid()


def make_hook(config: dict):
    """The audit hook for `config` (keys: work, write, deny_read, allow_read)."""
    write = tuple(os.path.realpath(p) for p in [config["work"], *config.get("write", [])])
    deny = tuple(os.path.realpath(p) for p in config.get("deny_read", []))
    allow = tuple(os.path.realpath(p) for p in [config["work"], *config.get("allow_read", [])])
    installed = tuple(
        os.path.realpath(p)
        for p in {
            sys.prefix,
            sys.base_prefix,
            *(sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")),
        }
    )
    flags_writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    state = {"ctypes": True}
    refused = PermissionError

    def where(path, dir_fd=None) -> str:
        if isinstance(path, int):
            return os.path.realpath(f"/proc/self/fd/{path}")
        path = os.fsdecode(path)
        if not os.path.isabs(path):
            base = os.path.realpath(f"/proc/self/fd/{dir_fd}") if isinstance(dir_fd, int) else os.getcwd()
            path = os.path.join(base, path)
        return os.path.realpath(path)

    def check_write(path, dir_fd=None) -> None:
        target = where(path, dir_fd)
        if not _under(target, write) and target not in ("/dev/null",):
            raise refused(
                f"grading: a submission may change files only inside its working folder, not {target}"
            )

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            target = where(path)
            writing = bool(flags and flags & flags_writing) or bool(mode and any(c in mode for c in "wax+"))
            if writing:
                check_write(path)
            elif _under(target, deny) and not _under(target, allow) or _other_process(target):
                raise refused(f"grading: a submission may not read the teacher's files ({target})")
        elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.utime"):
            check_write(args[0], args[-1])  # the last argument is dir_fd (shutil.rmtree uses it)
        elif event in ("os.rename", "os.link", "os.symlink", "shutil.move", "shutil.copyfile"):
            check_write(args[1])
            if event in ("os.rename", "shutil.move"):
                check_write(args[0])
        elif event in (
            "os.truncate",
            "shutil.rmtree",
            "os.removexattr",
            "os.setxattr",
            "os.mkfifo",
            "os.mknod",
        ):
            check_write(args[0])
        elif event in (
            "subprocess.Popen",
            "os.system",
            "os.exec",
            "os.posix_spawn",
            "os.spawn",
            "os.fork",
            "os.forkpty",
        ):
            raise refused("grading: a submission may not start processes")
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill") and args[0] not in (os.getpid(), 0):
            raise refused("grading: a submission may not signal other processes")
        elif event.startswith("ctypes.") and not state["ctypes"]:
            if event == "ctypes.dlopen" and isinstance(args[0], (str, bytes)):
                library = os.fsdecode(args[0])  # an installed package's own library (torchvision's ops)
                if os.path.isabs(library) and _under(os.path.realpath(library), installed):
                    return
            raise refused("grading: ctypes is switched off while a submission runs")

    hook.state = state  # the launcher switches ctypes off once the libraries are loaded
    return hook


def set_limits(config: dict) -> None:
    """Address space, CPU seconds, file size and core dumps of this process (and its children)."""
    if config.get("memory_bytes"):
        resource.setrlimit(resource.RLIMIT_AS, (config["memory_bytes"], config["memory_bytes"]))
    if config.get("cpu_seconds"):
        seconds = int(config["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    size = int(config.get("file_bytes", 2**30))
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def drop_privileges(user: str) -> None:
    """Become `user` (only possible when started as root)."""
    import pwd

    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


def main(argv: list[str]) -> None:
    config_path, kernel_args = argv[0], argv[1:]
    with open(config_path) as file:
        config = json.load(file)
    here = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != here]
    if config.get("user") and os.getuid() == 0:
        import pwd

        entry = pwd.getpwnam(config["user"])
        if "-f" in kernel_args:  # the connection file the runner wrote (mode 600): the kernel's to read
            os.chown(kernel_args[kernel_args.index("-f") + 1], entry.pw_uid, entry.pw_gid)
        drop_privileges(config["user"])
    set_limits(config)
    for name in config.get("preload", []):  # loaded before the guard switches ctypes off
        __import__(name)
    os.environ.pop("PYTHONPATH", None)  # the runner's: the teacher's folder is no place to import from
    readable = [os.path.realpath(p) for p in [config["work"], *config.get("allow_read", [])]]
    denied = [os.path.realpath(p) for p in config.get("deny_read", [])]
    sys.path[:] = [
        p
        for p in sys.path
        if not (
            _under(os.path.realpath(p or "."), tuple(denied))
            and not _under(os.path.realpath(p or "."), tuple(readable))
        )
    ]
    hook = make_hook(config)
    sys.addaudithook(hook)
    hook.state["ctypes"] = False
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance(argv=kernel_args)


if __name__ == "__main__":
    main(sys.argv[1:])
