"""Write into a generator checkpoint's notes which finding scores it read (what the trainer
writes since commit 6746e74; this run started before it, with the same scores)."""

import json
import sys
from pathlib import Path

from elm_desktop.training.celm.examples import score_reading, scoring_knowledge_base

path = Path(sys.argv[1]) / "config.json"
config = json.loads(path.read_text())
config["notes"]["finding_scores"] = score_reading(
    scoring_knowledge_base(config["encoder_checkpoint"])
)
path.write_text(json.dumps(config, indent=2) + "\n")
print(
    config["notes"]["finding_scores"]["prompt_style"],
    len(config["notes"]["finding_scores"]["finding_ids"]),
)
