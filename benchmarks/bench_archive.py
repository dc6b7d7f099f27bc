"""Archive benchmarks: search latency at scale, HNSW recall, and adding recordings.

    python benchmarks/bench_archive.py sqlite [--n 100000]      # exact search, SQLite store
    python benchmarks/bench_archive.py postgres [--n 1000000]   # pgvector HNSW, recall@10
    python benchmarks/bench_archive.py add [--n 1000]           # real bundle, per-file time

The scale tests use synthetic clustered embeddings (unit vectors scattered around 1,000 random
centres, like recordings of a few hundred kinds of EEG) instead of encoding real recordings, so
that only the store is measured. Targets (issue 4): SQLite search over 100,000 recordings under
50 ms; pgvector search over 1,000,000 under 20 ms with recall@10 >= 0.95 against exact search.
"""

from __future__ import annotations

import argparse
import os
import platform
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from elm_desktop.archive import CaseMetadata, NewCase, open_archive

DIM = 256
N_CENTRES = 1000
N_QUERIES = 200


class Embeddings:
    """Synthetic recording embeddings: unit vectors in clusters (1,000 kinds of recording).

    ``"isotropic"``: each cluster is a centre plus Gaussian noise in all 256 dimensions (cosine
    to the centre about 0.7), the hardest case for approximate search. ``"elm"``: the same
    clusters drawn in a 96-dimensional space and mapped by a random two-layer network
    (96 -> 512 -> ELU -> 256), as ELM's projection head maps its 96-d features h to z, so the
    embeddings lie on a 96-dimensional surface as real ELM embeddings do.
    """

    def __init__(self, kind: str, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.kind = kind
        self.latent = DIM if kind == "isotropic" else 96
        centres = rng.standard_normal((N_CENTRES, self.latent)).astype(np.float32)
        self.centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        self.w1 = rng.standard_normal((self.latent, 512)).astype(np.float32) / np.sqrt(self.latent)
        self.w2 = rng.standard_normal((512, DIM)).astype(np.float32) / np.sqrt(512)

    def __call__(self, rng: np.random.Generator, n: int, near: np.ndarray | None = None):
        """``n`` embeddings from random clusters, or near one latent point ``near``."""
        if near is None:
            near = self.centres[rng.integers(0, N_CENTRES, n)]
        noise = rng.standard_normal((n, self.latent)).astype(np.float32)
        points = near + noise / np.sqrt(self.latent)
        if self.kind != "isotropic":
            hidden = points @ self.w1
            points = np.where(hidden > 0, hidden, np.expm1(np.minimum(hidden, 0))) @ self.w2
        return points / np.linalg.norm(points, axis=1, keepdims=True)


def synthetic_case(index: int, embedding: np.ndarray, crops: np.ndarray) -> NewCase:
    n = len(crops)
    return NewCase(
        content_hash=f"{index:016x}",
        model="benchmark",
        window_s=5.0,
        embedding=embedding,
        crop_embeddings=crops,
        crop_starts_s=np.arange(n, dtype=np.float32) * 5,
        crop_weights=np.full(n, 1 / n, dtype=np.float32),
        metadata=CaseMetadata(age=50, sex="F", duration_s=5.0 * n, sfreq=256.0),
    )


def timings_ms(function, queries) -> np.ndarray:
    times = []
    for query in queries:
        start = time.perf_counter()
        function(query)
        times.append((time.perf_counter() - start) * 1e3)
    return np.array(times)


def summary(label: str, times: np.ndarray) -> str:
    return (
        f"{label}: median {np.median(times):.2f} ms, p95 {np.percentile(times, 95):.2f} ms, "
        f"max {times.max():.2f} ms over {len(times)} queries"
    )


def bench_sqlite(n: int, crops_per_case: int) -> None:
    rng = np.random.default_rng(0)
    embeddings = Embeddings("isotropic")
    path = Path(tempfile.mkdtemp(prefix="elm-bench-")) / "archive.sqlite"
    print(f"SQLite store, {n:,} recordings x {crops_per_case} crops, exact cosine search")
    start = time.perf_counter()
    with open_archive(path) as archive:
        for first in range(0, n, 10_000):
            block = embeddings(rng, min(10_000, n - first))
            for offset, embedding in enumerate(block):
                crops = embeddings(rng, crops_per_case, near=embedding)
                archive.add_case(synthetic_case(first + offset, embedding, crops))
    elapsed = time.perf_counter() - start
    print(
        f"  adding {n:,} cases (one transaction each): {elapsed:.1f} s, "
        f"{elapsed / n * 1e3:.2f} ms per case; file {path.stat().st_size / 2**20:.0f} MiB"
    )

    queries = embeddings(rng, N_QUERIES)
    query_crops = [embeddings(rng, 12, near=q) for q in queries]
    with open_archive(path) as archive:
        start = time.perf_counter()
        archive.search_similar(queries[0], k=10)
        print(f"  first search (loads the matrix): {(time.perf_counter() - start) * 1e3:.0f} ms")
        times = timings_ms(
            lambda i: archive.search_similar(queries[i], k=10, crop_embeddings=query_crops[i]),
            range(N_QUERIES),
        )
        print("  " + summary("EEG->EEG search_similar(k=10, 12 query crops)", times))
        times = timings_ms(lambda q: archive.search_text(q, k=10), queries)
        print("  " + summary("text->EEG search_text(k=10)", times))


def copy_binary(rows: bytes) -> bytes:
    """Wrap tuples in PostgreSQL's binary COPY header and trailer."""
    return b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + rows + struct.pack(">h", -1)


def case_rows(first_id: int, vectors: np.ndarray) -> bytes:
    """Binary COPY tuples for cases(id, content_hash, duration_s, sfreq, window_s, n_crops,
    embedding)."""
    layout = np.dtype(
        [
            ("fields", ">i2"),
            ("id_len", ">i4"), ("id", ">i8"),
            ("hash_len", ">i4"), ("hash", "S16"),
            ("duration_len", ">i4"), ("duration", ">f8"),
            ("sfreq_len", ">i4"), ("sfreq", ">f8"),
            ("window_len", ">i4"), ("window", ">f8"),
            ("crops_len", ">i4"), ("crops", ">i4"),
            ("vector_len", ">i4"), ("dim", ">i2"), ("unused", ">i2"), ("vector", ">f4", DIM),
        ]
    )  # fmt: skip
    rows = np.zeros(len(vectors), dtype=layout)
    ids = np.arange(first_id, first_id + len(vectors))
    rows["fields"] = 7
    rows["id_len"], rows["id"] = 8, ids
    rows["hash_len"], rows["hash"] = 16, [f"{i:016x}".encode() for i in ids]
    rows["duration_len"], rows["duration"] = 8, 5.0
    rows["sfreq_len"], rows["sfreq"] = 8, 256.0
    rows["window_len"], rows["window"] = 8, 5.0
    rows["crops_len"], rows["crops"] = 4, 1
    rows["vector_len"], rows["dim"], rows["vector"] = 4 + 4 * DIM, DIM, vectors
    return rows.tobytes()


def crop_rows(first_id: int, vectors: np.ndarray) -> bytes:
    """Binary COPY tuples for crops(case_id, embeddings, starts, weights): one crop each."""
    layout = np.dtype(
        [
            ("fields", ">i2"),
            ("id_len", ">i4"), ("id", ">i8"),
            ("emb_len", ">i4"), ("emb", "<f2", DIM),
            ("starts_len", ">i4"), ("starts", "<f4"),
            ("weights_len", ">i4"), ("weights", "<f4"),
        ]
    )  # fmt: skip
    rows = np.zeros(len(vectors), dtype=layout)
    rows["fields"] = 4
    rows["id_len"], rows["id"] = 8, np.arange(first_id, first_id + len(vectors))
    rows["emb_len"], rows["emb"] = 2 * DIM, vectors
    rows["starts_len"], rows["weights_len"], rows["weights"] = 4, 4, 1.0
    return rows.tobytes()


def report_build_progress(uri: str, start: float, every_s: float = 120.0) -> None:
    """Print how far an index build has come, from a connection of its own."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as db:
        while True:
            time.sleep(every_s)
            row = db.execute(
                "SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index"
            ).fetchone()
            if row is None:
                return
            print(
                f"    ... {time.perf_counter() - start:.0f} s: {row[0]}, "
                f"{row[1]:,} of {row[2]:,} tuples",
                flush=True,
            )


def bench_postgres(
    n: int, workers: int, memory: str, kind: str, ef_values: list[int], keep: Path | None
) -> None:
    import pgserver

    from elm_desktop.archive.postgres_store import HNSW_EF_CONSTRUCTION, HNSW_M

    embeddings = Embeddings(kind)
    folder = keep or Path(tempfile.mkdtemp(prefix="elm-bench-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    saved = folder / "vectors.npy"
    server = pgserver.get_server(folder / "pgdata", cleanup_mode=None if keep else "delete")
    print(
        f"PostgreSQL + pgvector store, {n:,} recordings ({kind} clustered embeddings), "
        f"HNSW m={HNSW_M} ef_construction={HNSW_EF_CONSTRUCTION}"
    )
    with open_archive(server.get_uri()) as archive:
        if saved.exists():
            matrix = np.load(saved)
            print(f"  reusing the archive and index built in {folder}")
        else:
            matrix = load_and_index(archive, server, embeddings, n, workers, memory)
            if keep:
                np.save(saved, matrix)
        queries = embeddings(np.random.default_rng(2), N_QUERIES)
        exact = [set(np.argsort(-(matrix @ q))[:10] + 1) for q in queries]
        archive.search_similar(queries[0], k=10)  # warm the index pages
        for ef_search in ef_values:
            archive.ef_search = ef_search
            found = [{hit.case.case_id for hit in archive.search_similar(q, k=10)} for q in queries]
            recall = np.mean([len(f & e) / 10 for f, e in zip(found, exact, strict=True)])
            times = timings_ms(lambda q: archive._nearest_recordings(q, 10, None), queries)
            full = timings_ms(lambda q: archive.search_similar(q, k=10), queries)
            print(
                f"  ef_search={ef_search}: recall@10 {recall:.3f}; "
                + summary("index query", times)
                + "; "
                + summary("search_similar with hits' crops", full)
            )
    if not keep:
        server.cleanup()


def load_and_index(archive, server, embeddings: Embeddings, n: int, workers: int, memory: str):
    """Bulk-load ``n`` synthetic cases, build the HNSW index, return the embedding matrix."""
    rng = np.random.default_rng(1)
    db = archive._db
    # Bind the archive with one ordinary case, then bulk-load the rest without the index.
    first = embeddings(rng, 1)[0]
    archive.add_case(synthetic_case(0, first, first[None]))
    db.execute("DROP INDEX cases_embedding_hnsw")
    vectors = [first[None]]
    start = time.perf_counter()
    block_size = 50_000
    for block_start in range(1, n, block_size):
        block = embeddings(rng, min(block_size, n - block_start))
        vectors.append(block)
        with db.cursor().copy(
            "COPY cases (id, content_hash, duration_s, sfreq, window_s, n_crops, embedding)"
            " FROM STDIN WITH (FORMAT binary)"
        ) as copy:
            copy.write(copy_binary(case_rows(block_start + 1, block)))
        with db.cursor().copy("COPY crops FROM STDIN WITH (FORMAT binary)") as copy:
            copy.write(copy_binary(crop_rows(block_start + 1, block)))
    db.execute("SELECT setval('cases_id_seq', %s)", (n,))
    db.execute("VACUUM ANALYZE cases")
    print(f"  bulk load (COPY): {time.perf_counter() - start:.1f} s")

    db.execute(f"SET max_parallel_maintenance_workers = {workers}")
    start = time.perf_counter()
    watcher = threading.Thread(
        target=report_build_progress, args=(server.get_uri(), start), daemon=True
    )
    watcher.start()
    archive.rebuild_index("cases", maintenance_work_mem=memory)
    print(
        f"  HNSW build: {time.perf_counter() - start:.1f} s ({workers} parallel workers, "
        f"maintenance_work_mem {memory}, {os.cpu_count()} cores)"
    )
    return np.concatenate(vectors)


def bench_add(n: int, n_distinct: int, bundle: Path) -> None:
    from elm_desktop.archive.ingest import add_recordings, build_case, read_manifest
    from elm_desktop.runtime import Engine
    from elm_desktop.synth import generate_corpus

    folder = Path(tempfile.mkdtemp(prefix="elm-bench-add-"))
    start = time.perf_counter()
    source = read_manifest(generate_corpus(folder / "source", n_distinct, 1.0, seed=0, workers=1))
    print(
        f"Adding {n:,} one-minute 256 Hz recordings with reports to a SQLite archive "
        f"({n_distinct} synthetic recordings written in {time.perf_counter() - start:.0f} s, "
        "each copied with a different header byte so that every file is a new case)"
    )
    files = folder / "files"
    files.mkdir()
    names = sorted(source)
    manifest = {}
    for i in range(n):
        original = folder / "source" / names[i % n_distinct]
        data = bytearray(original.read_bytes())
        data[160:168] = f"{i:08d}".encode()  # the end of the free-text recording field
        path = files / f"rec{i:05d}.edf"
        path.write_bytes(bytes(data))
        manifest[path.name] = source[original.name]
    engine = Engine(bundle, device="cpu")
    print(f"  model: {engine.bundle.describe()}; {engine.describe()}")

    def forget_text(done: int, total: int, message: str) -> None:
        # Copies share reports: empty the prompt cache so every file pays its text encoding.
        engine._text_cache.clear()

    paths = sorted(files.glob("*.edf"))
    stages = {}
    probe = paths[0]
    start = time.perf_counter()
    case = build_case(probe, engine, manifest[probe.name]["report"], manifest[probe.name])
    stages["build one case (read, preprocess, encode, report)"] = time.perf_counter() - start
    with open_archive(folder / "archive.sqlite") as archive:
        start = time.perf_counter()
        archive.add_case(case)
        stages["store one case"] = time.perf_counter() - start
        start = time.perf_counter()
        result = add_recordings(archive, paths[1:], engine, manifest, progress=forget_text)
        elapsed = time.perf_counter() - start
    for label, seconds in stages.items():
        print(f"  {label}: {seconds * 1e3:.1f} ms")
    print(
        f"  {len(result.added):,} added in {elapsed:.1f} s: "
        f"{elapsed / max(len(result.added), 1) * 1e3:.0f} ms per recording "
        f"({case.crop_embeddings.shape[0]} crops and {len(case.segments)} report segments each)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", choices=["sqlite", "postgres", "add"])
    parser.add_argument("--n", type=int, help="number of recordings")
    parser.add_argument("--crops", type=int, default=12, help="crops per case (sqlite)")
    parser.add_argument("--workers", type=int, default=2, help="parallel HNSW build workers")
    parser.add_argument("--memory", default="4GB", help="maintenance_work_mem of the build")
    parser.add_argument("--data", choices=("isotropic", "elm"), default="elm")
    parser.add_argument("--ef", default="40,100,200,400", help="ef_search values (postgres)")
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the server and index here")
    parser.add_argument("--distinct", type=int, default=20, help="distinct recordings (add)")
    parser.add_argument("--bundle", type=Path, help="model bundle for 'add' (default: shipped)")
    args = parser.parse_args()
    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    if args.store == "sqlite":
        bench_sqlite(args.n or 100_000, args.crops)
    elif args.store == "postgres":
        ef_values = [int(v) for v in args.ef.split(",")]
        bench_postgres(
            args.n or 1_000_000, args.workers, args.memory, args.data, ef_values, args.keep
        )
    else:
        from elm_desktop.paths import default_bundle

        bench_add(args.n or 1_000, args.distinct, args.bundle or default_bundle())
    return 0


if __name__ == "__main__":
    sys.exit(main())
