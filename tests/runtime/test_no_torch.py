"""Opening, preprocessing and encoding a recording imports neither torch nor transformers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from elm_desktop.runtime import Engine
    from elm_desktop.signals import crop_windows, elm_input, open_recording

    crops, _ = crop_windows(elm_input(open_recording(sys.argv[1])), 5)
    engine = Engine(sys.argv[2], device="auto")
    encoding = engine.encode(crops)
    scores = encoding.embeddings @ engine.embed_text(["left temporal spikes"]).T
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers"))
    print(json.dumps({"heavy": heavy, "n": len(crops), "scores": scores.shape[0],
                      "provider": engine.provider, "reason": engine.provider_reason}))
    """
)


def test_analysis_path_imports_no_torch(recording_path, elm_bundle):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(recording_path), str(elm_bundle)],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["heavy"] == []
    assert report["n"] == report["scores"] == 24
    assert report["reason"]
    # Choosing the provider is quiet: none of ONNX Runtime's error spew on stderr.
    assert "onnxruntime" not in result.stderr and "Failed to load" not in result.stderr
