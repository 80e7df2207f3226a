"""Converting TensorFlow.js graph models to ONNX without TensorFlow."""
