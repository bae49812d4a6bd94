"""A Python that has already imported what litlab's commands import, and forks a child for
each command line a test runs (`tests/conftest.py: run_cli`).

A test that runs `python train.py ...` as a user would pays 5-8 s of torch and Lightning import
for every call; the child of this server starts with them loaded and is otherwise that same
process: the real script run as `__main__` with the real argv, environment, folder, standard
streams and exit code, and the interpreter's normal shutdown. Tests about import-time behaviour
(tests/test_startup.py) start plain subprocesses instead.

Protocol, one JSON line each way: a request {argv, env, cwd, stdout, stderr} is answered with
{"pid": ...} once the child runs, then {"returncode": ...} when it ends. With "background": true
the child runs on while the server takes the next request: {"wait": pid} (or {"poll": pid}) is
answered with its {"returncode": ...} once it has ended (null if it still runs).
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback


def warm_up() -> None:
    """Import what a training, evaluation or prediction command imports (no ops run, so no
    thread pool exists to be broken by fork)."""
    import matplotlib.pyplot  # noqa: F401
    import pandas  # noqa: F401
    import pytorch_lightning  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    import torch  # noqa: F401
    import torchmetrics  # noqa: F401
    import torchvision  # noqa: F401

    import litlab.builders
    import litlab.outcome
    import litlab.tasks.evaluate
    import litlab.tasks.predict
    import litlab.tasks.sample
    import litlab.tasks.train  # noqa: F401


def run_child(request: dict) -> int:
    """In the forked child: become `python <script> <args>` and run it."""
    os.setsid()  # its own process group, as a fresh subprocess would be killed alone
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    script = os.path.abspath(request["argv"][0])
    sys.argv = list(request["argv"])
    sys.path[0] = os.path.dirname(script)
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def serve() -> None:
    warm_up()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if "wait" in request or "poll" in request:
            pid = request.get("wait") or request["poll"]
            done, status = os.waitpid(pid, 0 if "wait" in request else os.WNOHANG)
            code = os.waitstatus_to_exitcode(status) if done else None
            print(json.dumps({"returncode": code}), flush=True)
            continue
        pid = os.fork()
        if pid == 0:
            sys.exit(run_child(request))  # the interpreter's own shutdown: atexit, flushes
        print(json.dumps({"pid": pid}), flush=True)
        if not request.get("background"):
            _, status = os.waitpid(pid, 0)
            print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    serve()
