"""The stand-in job's memory scan: the heap, stack and anonymous memory of every process it may read.

Usage: ``python3 memscan.py OUT``. OUT gets ``== mem read PID`` or ``== mem unreadable PID`` per process, then the
raw bytes read (at most 64 MB a mapping, 1 GB in all); the test looks for credentials in them.
"""

import os
import sys

MAPPING_MAX = 64 << 20
TOTAL_MAX = 1 << 30


def scan(out, pid: str) -> int:
    try:
        with open(f"/proc/{pid}/maps") as maps_file:
            maps = maps_file.read().splitlines()
        mem = open(f"/proc/{pid}/mem", "rb", 0)  # needs the right to ptrace the process
    except OSError:
        out.write(f"== mem unreadable {pid}\n".encode())
        return 0
    out.write(f"== mem read {pid}\n".encode())
    read = 0
    with mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] not in ("[heap]", "[stack]")):
                continue  # unreadable, or mapped from a file
            try:
                mem.seek(start)
                out.write(mem.read(min(end - start, MAPPING_MAX)))
                read += end - start
            except (OSError, ValueError, OverflowError):
                pass
    return read


def main(path: str) -> None:
    total, me = 0, os.getpid()
    with open(path, "wb") as out:
        for pid in sorted(filter(str.isdigit, os.listdir("/proc")), key=int):
            if int(pid) != me and total < TOTAL_MAX:
                total += scan(out, pid)


if __name__ == "__main__":
    main(sys.argv[1])
