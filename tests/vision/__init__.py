"""Vision tests: real models on real images of the evaluation set."""
