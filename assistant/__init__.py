"""Question answering over sub-district offices' work plans and summaries, with citations.

Pipeline: loaders -> parse -> chunking -> index (Chroma + BM25) -> retrieve -> chain (answer)."""
