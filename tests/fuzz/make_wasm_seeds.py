#!/usr/bin/env python3
"""Regenerates tests/fuzz/corpus/wasm/: seeds/wasm/*.wat through wat2wasm, plus hand-made
malformed and invalid variants (bad header, truncations, oversized counts and LEBs, bad opcodes,
type errors, segments out of bounds). Run by hand after editing a seed; the output is committed."""
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SEEDS = HERE / "seeds" / "wasm"
OUT = HERE / "corpus" / "wasm"
HEADER = b"\0asm\1\0\0\0"


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def vec(items):
    return leb(len(items)) + b"".join(items)


def module(*sections):
    return HEADER + b"".join(sections)


TYPE_V_V = section(1, vec([b"\x60\x00\x00"]))          # (func)
FUNC_1 = section(3, vec([b"\x00"]))                     # one func of type 0
EXPORT_RUN = section(7, vec([b"\x03run\x00\x00"]))      # export "run" func 0


def code(*bodies):
    return section(10, vec([leb(len(b)) + b for b in bodies]))


def variants(valid):
    """(malformed, edge): name -> bytes. Malformed ones the front end must reject; edge ones are
    valid modules at a limit or failing at instantiation. `valid` maps seed name -> wasm bytes."""
    arith = valid["arith"]
    out = {
        "empty": b"",
        "bad_magic": b"\0wsm\1\0\0\0" + arith[8:],
        "bad_version": b"\0asm\2\0\0\0" + arith[8:],
        "truncated_header": HEADER[:5],
        "truncated_mid_code": arith[: len(arith) * 2 // 3],
        "truncated_last_byte": arith[:-1],
        # Section length far past the end of the file.
        "section_length_overflow": HEADER + b"\x01\xff\xff\xff\xff\x0f\x60",
        # A 6-byte LEB128 for a u32 (at most 5 are allowed).
        "leb_too_long": HEADER + b"\x01\x85\x80\x80\x80\x80\x00\x01\x60\x00\x00",
        # Sections out of order (code before function).
        "section_order": module(TYPE_V_V, code(b"\x00\x0b"), FUNC_1),
        # 0xff is not an opcode.
        "bad_opcode": module(TYPE_V_V, FUNC_1, EXPORT_RUN, code(b"\x00\xff\x0b")),
        # Function body without its final `end`.
        "missing_end": module(TYPE_V_V, FUNC_1, EXPORT_RUN, code(b"\x00\x01")),
        # i32.add on an empty stack: decodes, fails validation.
        "stack_underflow": module(TYPE_V_V, FUNC_1, EXPORT_RUN, code(b"\x00\x6a\x0b")),
        # 0xffffffff locals of type i32 (past kMaxLocals).
        "huge_local_count": module(TYPE_V_V, FUNC_1, EXPORT_RUN,
                                   code(b"\x01" + leb(0xFFFFFFFF) + b"\x7f\x0b")),
        # A billion functions declared, none present.
        "huge_function_count": module(TYPE_V_V, section(3, leb(1 << 30) + b"\x00")),
    }
    edge = {
        "header_only": HEADER,
        # memory min 65536 pages (4 GiB), max 65536, and a data segment at its last byte.
        "max_memory_data_at_end": module(
            section(5, vec([b"\x01" + leb(65536) + leb(65536)])),
            section(11, vec([b"\x00\x41" + leb(0xFFFFFFFF)[:4] + b"\x7f\x0b\x01\x2a"]))),
        # Data segment past the end of a one-page memory: instantiation fails.
        "data_out_of_bounds": module(
            section(5, vec([b"\x00\x01"])),
            section(11, vec([b"\x00\x41\x80\x80\x04\x0b\x04abcd"]))),
        # Element segment past the end of a one-slot table.
        "elem_out_of_bounds": module(
            TYPE_V_V, FUNC_1, section(4, vec([b"\x70\x00\x01"])),
            section(9, vec([b"\x00\x41\x05\x0b" + vec([b"\x00"])])),
            code(b"\x00\x0b")),
        # Deeply nested blocks (past the front end's nesting limit).
        "deep_nesting": module(TYPE_V_V, FUNC_1, EXPORT_RUN,
                               code(b"\x00" + b"\x02\x40" * 5000 + b"\x0b" * 5001)),
    }
    return out, edge


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    valid = {}
    with tempfile.TemporaryDirectory() as tmp:
        for wat in sorted(SEEDS.glob("*.wat")):
            dst = pathlib.Path(tmp) / (wat.stem + ".wasm")
            subprocess.run(["wat2wasm", str(wat), "-o", str(dst)], check=True)
            valid[wat.stem] = dst.read_bytes()
    files = dict(valid)
    bad, edge = variants(valid)
    files.update({"malformed_" + k: v for k, v in bad.items()})
    files.update({"edge_" + k: v for k, v in edge.items()})
    for name, data in sorted(files.items()):
        (OUT / (name + ".wasm")).write_bytes(data)
    print(f"make_wasm_seeds: {len(files)} files in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
