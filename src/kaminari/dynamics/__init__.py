"""The batched point-mass integrator and its force models (gravity, frame terms, aerodynamics)."""
