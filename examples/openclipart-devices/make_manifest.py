#!/usr/bin/env python3
"""A stand-in for a user's own image+text manifest: 950 OpenClipart pictures with their title and keywords
as text, spread unevenly over 71 devices named in a `client` column (docs/MEMORY.md, issue 18).

    ./mpsl4j data prepare openclipart                       # the SVGs, into data/openclipart
    python3 examples/openclipart-devices/make_manifest.py    # writes data/openclipart-devices/devices.csv
    ./mpsl4j data check data/openclipart-devices/devices.csv
    ./mpsl4j simulate --dataset manifest:data/openclipart-devices/devices.csv --samples 0

Deterministic (seeded): anyone with the same Debian openclipart-svg package gets the same file. The label is the
category folder; words naming it are masked in the text as the built-in OpenClipart dataset does (LabelMasker).
Device sizes are uneven like real ones (a few devices hold many pictures, most a handful), each device at least 4.
Pictures that `mpsl4j data check` cannot read (a few SVGs need files the package lacks) are replaced by the next
candidates and the check is run again, until it passes. Standard library only.
"""
import argparse
import csv
import os
import random
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

DC = "{http://purl.org/dc/elements/1.1/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
KEEP = {"and", "of", "the"}


def text_of(svg: Path) -> str:
    """'title. kw1, kw2' from the SVG's Dublin Core metadata (cc:Work), '' if unreadable."""
    try:
        root = ET.parse(svg).getroot()
    except (ET.ParseError, OSError, ValueError):
        return ""
    work = next((e for e in root.iter() if e.tag.endswith("}Work")), None)  # cc: is spelled two ways
    if work is None:
        return ""
    title = (work.findtext(DC + "title") or "").strip()
    keywords = [li.text.strip() for subject in work.iter(DC + "subject") for li in subject.iter(RDF + "li")
                if li.text and li.text.strip()]
    return title + (". " + ", ".join(keywords) if keywords else "")


def masker(category: str):
    words = set()
    for part in re.split(r"[^a-z]+", category.lower()):
        if part and part not in KEEP:
            words.add(part)
            words.add(part[:-1] if part.endswith("s") else part + "s")
    return lambda t: re.sub(r"[^\W\d_]+", lambda m: "[MASK]" if m.group().lower() in words else m.group(), t)


def device_sizes(rows: int, devices: int, minimum: int, rng: random.Random):
    """Uneven sizes summing to rows: log-normal weights, each device at least `minimum`."""
    weights = [rng.lognormvariate(0, 1.0) for _ in range(devices)]
    spare = rows - minimum * devices
    sizes = [minimum + int(spare * w / sum(weights)) for w in weights]
    for i in range(rows - sum(sizes)):
        sizes[i % devices] += 1
    return sizes


def pick(candidates, rows, unreadable):
    """The first `rows` candidates with a readable text and not known to be unreadable pictures."""
    picked = []
    for category, svg in candidates:
        if svg in unreadable:
            continue
        text = masker(category)(text_of(svg)).strip()
        if text:  # a picture without a title or keywords has no text input
            picked.append((category, svg, text))
        if len(picked) == rows:
            return picked
    raise SystemExit(f"only {len(picked)} readable pictures with text")


def write(out: Path, picked, devices):
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image", "text", "label", "client"])
        for (category, svg, text), device in zip(picked, devices):
            w.writerow([os.path.relpath(svg, out.parent.resolve()), text, category, device])


def check(launcher: str, out: Path):
    """The manifest lines (1 = header) whose picture `mpsl4j data check` could not read."""
    r = subprocess.run([launcher, "data", "check", str(out)], capture_output=True, text=True)
    bad = [int(m.group(1)) for m in re.finditer(re.escape(out.name) + r":(\d+): image:", r.stdout + r.stderr)]
    if r.returncode != 0 and not bad:
        raise SystemExit(f"data check failed:\n{r.stdout}{r.stderr}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", default="data/openclipart", help="prepared OpenClipart SVG folder")
    ap.add_argument("--out", default="data/openclipart-devices/devices.csv")
    ap.add_argument("--rows", type=int, default=950)
    ap.add_argument("--devices", type=int, default=71)
    ap.add_argument("--seed", type=int, default=71)
    ap.add_argument("--launcher", default="./mpsl4j", help="the mpsl4j launcher whose `data check` validates the file")
    args = ap.parse_args()
    source = Path(args.source).resolve()
    if not source.is_dir():
        raise SystemExit(f"no OpenClipart folder at {source}: run ./mpsl4j data prepare openclipart first")
    rng = random.Random(args.seed)
    candidates = []
    for category in sorted(p for p in source.iterdir() if p.is_dir()):
        for svg in sorted(category.rglob("*.svg")):
            candidates.append((category.name, svg))
    rng.shuffle(candidates)
    sizes = device_sizes(args.rows, args.devices, 4, rng)
    devices = [f"device-{d:02d}" for d, n in enumerate(sizes) for _ in range(n)]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    unreadable = set()
    for attempt in range(1, 6):
        picked = pick(candidates, args.rows, unreadable)
        write(out, picked, devices)
        bad = check(args.launcher, out)
        if not bad:
            break
        print(f"check {attempt}: {len(bad)} unreadable picture(s), replacing them")
        unreadable |= {picked[line - 2][1] for line in bad}
    else:
        raise SystemExit(f"{out} still fails the check after 5 attempts")
    print(f"wrote {out}: {args.rows} rows, {args.devices} devices ({min(sizes)} to {max(sizes)} rows each), "
          f"{len({c for c, _, _ in picked})} labels")


if __name__ == "__main__":
    main()
