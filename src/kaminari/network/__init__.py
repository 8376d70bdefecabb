"""Allied networks: nodes that each run their own tracker, links that carry measurements or
tracks after a latency (or lose them), track-to-track fusion and sensor registration."""
