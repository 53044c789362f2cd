"""Writes the protobuf descriptors that the installed Pulumi Python SDK was generated from.

Usage: <python with pulumi installed> scripts/pulumirpc-descriptors.py OUT

Every generated module under pulumi/runtime/proto embeds its serialized FileDescriptorProto; this
imports them all and writes one FileDescriptorSet (binary) of every file they define or import to OUT.
tests/pulumirpc_wire.rs compares proto/ against it, so the wire format we declare by hand is checked
against the Pulumi release we pin rather than against our reading of the docs.
"""

import importlib
import pathlib
from importlib import metadata
import sys

from google.protobuf import descriptor_pb2


def pulumi_modules():
    import pulumi.runtime.proto as package

    root = pathlib.Path(package.__file__).parent
    modules = []
    for path in sorted(root.rglob("*_pb2.py")):
        relative = path.relative_to(root).with_suffix("")
        modules.append(importlib.import_module(".".join((package.__name__, *relative.parts))))
    if not modules:
        sys.exit(f"no *_pb2.py modules under {root}: is this the pulumi SDK the project pins?")
    return modules


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: pulumirpc-descriptors.py OUT")
    files = {}

    def add(descriptor):
        # Dependencies too, so the set names every type its fields refer to.
        if descriptor.name in files:
            return
        files[descriptor.name] = descriptor_pb2.FileDescriptorProto.FromString(descriptor.serialized_pb)
        for dependency in descriptor.dependencies:
            add(dependency)

    for module in pulumi_modules():
        add(module.DESCRIPTOR)
    out = descriptor_pb2.FileDescriptorSet(file=list(files.values()))
    pathlib.Path(sys.argv[1]).write_bytes(out.SerializeToString())
    print(f"pulumi {metadata.version('pulumi')}: {len(files)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
