"""How often the flat-electrode check names electrodes, against the electrodes a corpus's
recording conditions made flat (``conditions.flat`` in its manifest; none without them) among
those the model reads (the ELM montage has no Fz or Pz).

Every recording of each corpus, read as the analysis reads it
(:func:`elm_desktop.signals.flat_electrodes.flat_electrodes` on the ELM montage's
electrodes)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/flat_electrodes_scan.py data/CORPUS ...
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from elm_desktop.signals import open_recording
from elm_desktop.signals.flat_electrodes import VERTEX_REFERENCE, flat_electrodes
from elm_desktop.signals.preprocess import elm_electrodes


def main() -> None:
    for corpus in map(Path, sys.argv[1:]):
        counts: Counter[str] = Counter()
        for line in (corpus / "manifest.jsonl").open():
            entry = json.loads(line)
            made = (entry.get("conditions") or {}).get("flat", {}).get("electrodes", [])
            rec = open_recording(corpus / entry["edf"])
            read = elm_electrodes(rec)  # an electrode the model does not read changes nothing
            made = {e for e in made if e != VERTEX_REFERENCE and e in read}
            named = set(flat_electrodes(rec, read))
            counts["recordings"] += 1
            counts["with a flat electrode made"] += bool(made)
            counts["named all made"] += bool(made) and made <= named
            counts["named one not made"] += bool(named - made)
        print(f"{corpus}: {dict(counts)}")


if __name__ == "__main__":
    main()
