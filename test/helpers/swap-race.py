#!/usr/bin/env python3
"""Atomically exchanges two paths, over and over, for a bounded time: the attacker of test/workspace-race.test.ts.

Usage: swap-race.py FIRST SECOND SECONDS MAX_SWAPS

Each swap is one renameat2(RENAME_EXCHANGE) call, so at every instant each name exists and is either the
folder or the symbolic link; a reader never sees a missing name, only the one or the other. Node has no
renameat2, hence this helper. Prints "ready" once the first swap succeeded (the test waits for it) and
"swaps N" when it stops; stops after SECONDS or MAX_SWAPS, whichever comes first, and on SIGTERM.
"""

import ctypes
import os
import platform
import signal
import sys
import time

AT_FDCWD = -100
RENAME_EXCHANGE = 2
# renameat2's syscall number where glibc (< 2.28) does not export a wrapper.
SYSCALL_RENAMEAT2 = {"x86_64": 316, "aarch64": 276}

libc = ctypes.CDLL(None, use_errno=True)


def exchange_function():
    """renameat2 from libc when exported, else the raw system call on architectures we know."""
    try:
        function = libc.renameat2
        function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        function.restype = ctypes.c_int
        return function
    except AttributeError:
        number = SYSCALL_RENAMEAT2.get(platform.machine())
        if number is None:
            sys.exit(f"swap-race: no renameat2 in libc and no known syscall number for {platform.machine()}")
        syscall = libc.syscall
        syscall.restype = ctypes.c_long
        return lambda *arguments: syscall(
            ctypes.c_long(number), ctypes.c_int(arguments[0]), arguments[1], ctypes.c_int(arguments[2]), arguments[3], ctypes.c_uint(arguments[4])
        )


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    first, second = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
    deadline = time.monotonic() + float(sys.argv[3])
    max_swaps = int(sys.argv[4])
    stopping = False

    def stop(_signal_number, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    exchange = exchange_function()
    swaps = 0
    while not stopping and swaps < max_swaps and time.monotonic() < deadline:
        if exchange(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE) != 0:
            error = ctypes.get_errno()
            sys.exit(f"swap-race: renameat2 failed: {os.strerror(error)}")
        swaps += 1
        if swaps == 1:
            print("ready", flush=True)
    # An even number of swaps leaves both names as they were; one more puts them back otherwise.
    if swaps % 2 == 1:
        exchange(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE)
        swaps += 1
    print(f"swaps {swaps}", flush=True)


if __name__ == "__main__":
    main()
