#!/usr/bin/env python3
"""Write a gzip-compressed cpio (newc) initramfs from a list of entries.

Usage: mkinitramfs.py OUT.cpio.gz SPEC...
  dir:PATH:MODE            a directory
  file:PATH:MODE:SRC       a regular file copied from SRC on the host
  slink:PATH:TARGET        a symbolic link
  nod:PATH:MODE:c|b:MAJ:MIN a device node
Entries are written in the order given, owned by root, with mtime 0, so the
same inputs give the same bytes (no cpio(1) needed on the host).
"""
import gzip
import stat
import sys


def header(ino, mode, size, name, rdev=(0, 0)):
    nb = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], len(nb), 0]
    h = b"070701" + b"".join(b"%08X" % f for f in fields) + nb
    return h + b"\0" * (-len(h) % 4)


def pad(data):
    return data + b"\0" * (-len(data) % 4)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out = []
    for ino, spec in enumerate(argv[1:], start=1):
        kind, rest = spec.split(":", 1)
        if kind == "dir":
            path, mode = rest.split(":")
            out.append(header(ino, stat.S_IFDIR | int(mode, 8), 0, path))
        elif kind == "file":
            path, mode, src = rest.split(":", 2)
            with open(src, "rb") as f:
                data = f.read()
            out.append(header(ino, stat.S_IFREG | int(mode, 8), len(data), path) + pad(data))
        elif kind == "slink":
            path, target = rest.split(":", 1)
            t = target.encode()
            out.append(header(ino, stat.S_IFLNK | 0o777, len(t), path) + pad(t))
        elif kind == "nod":
            path, mode, t, major, minor = rest.split(":")
            fmt = stat.S_IFCHR if t == "c" else stat.S_IFBLK
            out.append(header(ino, fmt | int(mode, 8), 0, path, (int(major), int(minor))))
        else:
            sys.exit("mkinitramfs.py: unknown entry kind '%s' in '%s'" % (kind, spec))
    out.append(header(0, 0, 0, "TRAILER!!!"))
    with open(argv[0], "wb") as f:
        f.write(gzip.compress(b"".join(out), mtime=0))


if __name__ == "__main__":
    main(sys.argv[1:])
