"""Run one command and report its own wall time, CPU time and peak RSS.

    python -S -E bench/wrap.py REPORT_FILE ARGV...

Why a wrapper: a child's ru_maxrss counts the memory of the process that started it, as it
was when the child called exec (posix_spawn and fork share or copy that memory until then),
and RUSAGE_CHILDREN is a maximum over every child reaped so far. So bench/run.py, which holds
large inputs in memory, starts each measured command through this small process: the command's
ru_maxrss from os.wait4 is then its own (this wrapper is far smaller than any Python that
imports yaml), and the wall time is taken here, without this wrapper's own start-up.

stdin, stdout and stderr are the command's own (inherited). The report is one line:
``wall_s cpu_s max_rss_kib exit_code``.
"""

import os
import sys
import time


def main() -> int:
    report, argv = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    with open(report, "w") as f:
        f.write(f"{wall:.6f} {ru.ru_utime + ru.ru_stime:.6f} {ru.ru_maxrss} {code}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
