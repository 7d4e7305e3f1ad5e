"""TensorFlow fidelity: cases run under TensorFlow (record.py) and replayed under tapeviz."""
